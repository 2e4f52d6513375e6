/**
 * A rotation function of our own (components/data/aws/rotationFunction.ts): the code packaged from
 * rotation/ (deterministic, rotation/ files only), the role and its least-privilege policy, the VPC
 * placement, the log group, and Secrets Manager's permission to invoke it.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { RotationFunction as RotationFunctionType } from "../../../../components/data/aws/rotationFunction";
import { rotationCode, rotationSecretActions } from "../../../../components/data/aws/rotationFunction";
import { rotationFunctionDefaults } from "../../../../catalog/guardrails";
import { installMocks, promiseOf, recorder, settle, unwrap } from "../../../../sandbox/mocks";
import { awsNetwork } from "../../../fixtures/minimalStacks";

const T = {
    fn: "aws:lambda/function:Function",
    role: "aws:iam/role:Role",
    policy: "aws:iam/rolePolicy:RolePolicy",
    logs: "aws:cloudwatch/logGroup:LogGroup",
    permission: "aws:lambda/permission:Permission",
    sg: "aws:ec2/securityGroup:SecurityGroup",
    egress: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
};
const keyArn = "arn:aws:kms:eu-west-1:123456789012:key/stack";
const secretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:grownext/production/identity-jwt-AbCdEf";

/** A scratch rotation/ folder with the given files. */
function scratch(files: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "rotation-code-"));
    fs.mkdirSync(path.join(root, "rotation"));
    for (const [f, c] of Object.entries(files)) fs.writeFileSync(path.join(root, "rotation", f), c);
    return root;
}

/** The files of a recorded AssetArchive, by name, with their text (the mocks hand over promises). */
async function archiveFiles(code: any): Promise<Record<string, string>> {
    const assets = (await code.assets) as Record<string, { text: Promise<string> | string }>;
    return Object.fromEntries(await Promise.all(Object.entries(assets).map(async ([k, v]) => [k, await v.text] as const)));
}

describe("RotationFunction (components/data/aws/rotationFunction.ts)", () => {
    let RotationFunction: typeof RotationFunctionType;

    before(async () => {
        installMocks();
        ({ RotationFunction } = await import("../../../../components/data/aws/rotationFunction"));
    });
    beforeEach(() => recorder.reset());

    async function declare(extra: Partial<ConstructorParameters<typeof RotationFunctionType>[1]> = {}) {
        const f = new RotationFunction("jwt-rotation", {
            environment: "production",
            functionName: "grownext-production-identity-jwt-rotation",
            entry: "protocol.ts",
            secretArns: [secretArn],
            kmsKeyArn: keyArn,
            region: "eu-west-1",
            environmentVariables: { SOME_SETTING: "2048" },
            ...extra,
        });
        await settle();
        return f;
    }

    describe("rotationCode: the entry and the rotation/ files it imports, transpiled", () => {
        it("follows relative imports, transpiles to CommonJS, and keeps builtins and @aws-sdk as requires", () => {
            const root = scratch({
                "entry.ts":
                    'import { a } from "./lib";\nimport { randomUUID } from "node:crypto";\nexport const handler = async (): Promise<string> => a + randomUUID();\n',
                "lib.ts": 'import type { X } from "@aws-sdk/client-secrets-manager";\nexport const a: string = "a";\nexport type Y = X;\n',
                "unused.ts": "export const b = 1;\n",
            });
            const code = rotationCode("entry.ts", root);
            assert.deepStrictEqual(Object.keys(code), ["entry.js", "lib.js"]);
            assert.match(code["entry.js"]!, /require\("\.\/lib"\)/);
            assert.match(code["entry.js"]!, /require\("node:crypto"\)/);
            assert.match(code["entry.js"]!, /exports\.handler = handler|exports\.handler =/);
            assert.doesNotMatch(code["entry.js"]!, /: Promise<string>/);
        });

        it("is deterministic: the same sources give the same code, a changed source changes it", () => {
            const files = {
                "entry.ts": 'import { a } from "./lib";\nexport const handler = () => a;\n',
                "lib.ts": "export const a = 1;\n",
            };
            const one = rotationCode("entry.ts", scratch(files));
            const two = rotationCode("entry.ts", scratch(files));
            assert.deepStrictEqual(one, two);
            assert.strictEqual(JSON.stringify(one), JSON.stringify(two));
            const changed = rotationCode("entry.ts", scratch({ ...files, "lib.ts": "export const a = 2;\n" }));
            assert.notDeepStrictEqual(changed, one);
        });

        it("refuses an import of a package other than @aws-sdk, naming the file and the import", () => {
            const root = scratch({
                "entry.ts": 'import { a } from "./lib";\nexport const handler = a;\n',
                "lib.ts": 'import * as z from "zod";\nexport const a = z;\n',
            });
            assert.throws(
                () => rotationCode("entry.ts", root),
                /rotation\/lib\.ts imports zod: the function may import node builtins, @aws-sdk\/\* and rotation\/ files only/,
            );
        });

        it("refuses an import that leaves rotation/", () => {
            const root = scratch({ "entry.ts": 'import { x } from "../catalog/guardrails";\nexport const handler = x;\n' });
            assert.throws(() => rotationCode("entry.ts", root), /imports \.\.\/catalog\/guardrails, outside rotation\//);
        });

        it("packages the repository's protocol alone (it imports no other file)", () => {
            assert.deepStrictEqual(Object.keys(rotationCode("protocol.ts")), ["protocol.js"]);
        });
    });

    it("declares the function from the packaged code: runtime, handler, size and limits from the guardrails, env from args", async () => {
        const f = await declare();
        const fn = recorder.one(T.fn, "jwt-rotation-function");
        assert.strictEqual(fn.inputs.name, "grownext-production-identity-jwt-rotation");
        assert.strictEqual(fn.inputs.runtime, rotationFunctionDefaults.runtime);
        assert.strictEqual(fn.inputs.runtime, "nodejs22.x");
        assert.strictEqual(fn.inputs.handler, "protocol.handler");
        assert.strictEqual(fn.inputs.timeout, rotationFunctionDefaults.timeoutSeconds);
        assert.strictEqual(fn.inputs.memorySize, rotationFunctionDefaults.memorySizeMb);
        assert.deepStrictEqual(fn.inputs.environment, { variables: { SOME_SETTING: "2048" } });
        assert.deepStrictEqual(await archiveFiles(fn.inputs.code), rotationCode("protocol.ts"));
        assert.strictEqual(fn.inputs.vpcConfig, undefined);
        assert.strictEqual(fn.protect, false);
        assert.match(await promiseOf(f.arn), /^arn:aws:lambda:/);
    });

    it("two declarations of the same entry package the same archive", async () => {
        await declare();
        const first = await archiveFiles(recorder.one(T.fn, "jwt-rotation-function").inputs.code);
        recorder.reset();
        await declare();
        assert.deepStrictEqual(await archiveFiles(recorder.one(T.fn, "jwt-rotation-function").inputs.code), first);
    });

    it("gives the role Lambda's trust, and a policy on the rotated secrets and the stack key through Secrets Manager only", async () => {
        await declare({
            extraStatements: [
                {
                    Sid: "Extra",
                    Effect: "Allow",
                    Action: "elasticache:ModifyUser",
                    Resource: "arn:aws:elasticache:eu-west-1:123456789012:user:u",
                },
            ],
        });
        const trust = JSON.parse(recorder.one(T.role, "jwt-rotation-role").inputs.assumeRolePolicy);
        assert.deepStrictEqual(trust.Statement, [
            { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]);
        const doc = JSON.parse(recorder.one(T.policy, "jwt-rotation-policy").inputs.policy);
        const bySid = Object.fromEntries(doc.Statement.map((s: any) => [s.Sid, s]));
        assert.deepStrictEqual(bySid.RotateTheseSecrets.Action, [...rotationSecretActions]);
        assert.deepStrictEqual([...rotationSecretActions].sort(), [
            "secretsmanager:DescribeSecret",
            "secretsmanager:GetSecretValue",
            "secretsmanager:PutSecretValue",
            "secretsmanager:UpdateSecretVersionStage",
        ]);
        assert.deepStrictEqual(bySid.RotateTheseSecrets.Resource, [secretArn]);
        assert.deepStrictEqual(bySid.StackKeyThroughSecretsManager.Action, ["kms:Decrypt", "kms:GenerateDataKey"]);
        assert.strictEqual(bySid.StackKeyThroughSecretsManager.Resource, keyArn);
        assert.deepStrictEqual(bySid.StackKeyThroughSecretsManager.Condition, {
            StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" },
        });
        assert.strictEqual(
            bySid.OwnLogs.Resource,
            "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/grownext-production-identity-jwt-rotation:*",
        );
        assert.strictEqual(bySid.Extra.Action, "elasticache:ModifyUser");
        assert.strictEqual(bySid.VpcNetworkInterfaces, undefined);
        for (const s of doc.Statement) {
            if (s.Sid === "VpcNetworkInterfaces") continue;
            assert.notStrictEqual(s.Resource, "*", `${s.Sid} is on every resource`);
        }
    });

    it("keeps its logs for the guardrail's retention, in a group it creates before the function", async () => {
        await declare();
        const logs = recorder.one(T.logs, "jwt-rotation-logs");
        assert.strictEqual(logs.inputs.name, "/aws/lambda/grownext-production-identity-jwt-rotation");
        assert.strictEqual(logs.inputs.retentionInDays, rotationFunctionDefaults.logRetentionDays);
        const fn = recorder.one(T.fn, "jwt-rotation-function");
        assert.ok(fn.dependencies!.includes(logs.urn!));
        assert.ok(fn.dependencies!.includes(recorder.one(T.policy, "jwt-rotation-policy").urn!));
    });

    it("lets Secrets Manager invoke it, for this account only (sourceAccount, no sourceArn)", async () => {
        await declare();
        const p = recorder.one(T.permission, "jwt-rotation-invoke");
        assert.strictEqual(p.inputs.principal, "secretsmanager.amazonaws.com");
        assert.strictEqual(p.inputs.action, "lambda:InvokeFunction");
        assert.strictEqual(p.inputs.function, "grownext-production-identity-jwt-rotation");
        assert.strictEqual(p.inputs.sourceAccount, "123456789012");
        assert.strictEqual(p.inputs.sourceArn, undefined);
    });

    it("runs in the VPC in a security group of its own, with only the caller's ways out", async () => {
        const f = await declare({
            vpc: {
                vpcId: awsNetwork.vpcId,
                subnetIds: awsNetwork.privateSubnetIds,
                egress: [
                    { description: "to Secrets Manager", port: 443, cidrIpv4: "0.0.0.0/0" },
                    { description: "to Redis", port: 6379, securityGroupId: "sg-redis" },
                ],
            },
        });
        const sg = recorder.one(T.sg, "jwt-rotation-sg");
        assert.strictEqual(sg.inputs.vpcId, awsNetwork.vpcId);
        assert.strictEqual(sg.inputs.ingress, undefined);
        const rules = recorder.ofType(T.egress).map((r) => r.inputs);
        assert.deepStrictEqual(
            rules.map((r) => [r.description, r.fromPort, r.toPort, r.cidrIpv4, r.referencedSecurityGroupId, r.securityGroupId]),
            [
                ["to Secrets Manager", 443, 443, "0.0.0.0/0", undefined, "jwt-rotation-sg-id"],
                ["to Redis", 6379, 6379, undefined, "sg-redis", "jwt-rotation-sg-id"],
            ],
        );
        const fn = recorder.one(T.fn, "jwt-rotation-function");
        assert.deepStrictEqual(unwrap(fn.inputs.vpcConfig), {
            subnetIds: awsNetwork.privateSubnetIds,
            securityGroupIds: ["jwt-rotation-sg-id"],
        });
        const doc = JSON.parse(recorder.one(T.policy, "jwt-rotation-policy").inputs.policy);
        assert.ok(doc.Statement.some((s: any) => s.Sid === "VpcNetworkInterfaces"));
        assert.ok(f.securityGroup);
    });

    it("refuses bad args with the key and the fix", async () => {
        await assert.rejects(async () => declare({ functionName: "has spaces" }), /functionName must be 1 to 64 letters/);
        await assert.rejects(async () => declare({ entry: "../config/floors.ts" }), /entry must name a file directly under rotation\//);
        await assert.rejects(async () => declare({ entry: "missing.ts" }), /rotation\/missing\.ts does not exist/);
        await assert.rejects(
            async () =>
                declare({
                    vpc: {
                        vpcId: "v",
                        subnetIds: [],
                        egress: [{ description: "both", port: 1, cidrIpv4: "0.0.0.0/0", securityGroupId: "sg" }],
                    },
                }),
            /the egress "both" needs exactly one of cidrIpv4 and securityGroupId/,
        );
    });
});
