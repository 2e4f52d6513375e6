/**
 * A rotation function of our own (docs/secret-rotation.md "Rotation functions of our own"): one
 * `rotation/<entry>.ts` deployed as a Lambda that Secrets Manager invokes to rotate the secrets given.
 *
 * - The code: the entry and the rotation/ files it imports, transpiled one by one with TypeScript's
 *   `transpileModule` (CommonJS) into an archive of strings. The same sources give the same archive
 *   (sorted, no timestamps), so a `pulumi up` without a change to rotation/ replaces no code. rotation/
 *   may import node builtins and `@aws-sdk/*` (the Lambda runtime provides the SDK) besides its own
 *   files; anything else is refused here, before it fails in Lambda.
 * - An IAM role Lambda assumes, allowed the four Secrets Manager calls of the protocol on the given
 *   secrets only, the stack key through Secrets Manager only, and the caller's extra statements.
 * - Optionally a VPC placement, in a security group of its own whose only ways out are the caller's.
 * - A log group with the retention of `rotationFunctionDefaults`, created before the function so
 *   Lambda does not create one that keeps logs forever.
 * - The permission for Secrets Manager to invoke it, for this account only (`sourceAccount`: AWS's
 *   advice for rotation functions, as one function may rotate several secrets).
 *
 * Holds no data: nothing here is protected.
 */
import * as fs from "fs";
import * as path from "path";
import { builtinModules } from "module";
import * as aws from "../../../wiring/aws";
import { egressOnlySecurityGroup, egressProblems, type EgressRule } from "./egressOnlySecurityGroup";
import * as pulumi from "@pulumi/pulumi";
import { rotationFunctionDefaults, type Environment } from "../../../catalog/guardrails";
import { componentError } from "../../../config/errors";
import { repositoryRoot } from "../../probes/smokeProbes";

/** The folder of the rotation functions' code, under the repository root. */
export const rotationCodeFolder = "rotation";

/** The Secrets Manager calls of the protocol (rotation/protocol.ts), on the rotated secrets only. */
export const rotationSecretActions = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
] as const;

/** An IAM policy statement, as JSON (Outputs allowed inside). */
export interface IamStatement {
    readonly Sid?: string;
    readonly Effect: "Allow" | "Deny";
    readonly Action: string | readonly string[];
    readonly Resource: pulumi.Input<string> | pulumi.Input<pulumi.Input<string>[]>;
    readonly Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

/** One way out of the function's security group. */
/** One way out of the function's security group (egressOnlySecurityGroup.ts). */
export type RotationEgress = EgressRule;

export interface RotationFunctionArgs {
    readonly environment: Environment;
    /** The Lambda's name (at most 64 characters). */
    readonly functionName: string;
    /** The file under rotation/ whose `handler` Secrets Manager invokes, e.g. `jwtSigningKey.ts`. */
    readonly entry: string;
    /** ARNs of the secrets it rotates: its only Secrets Manager resources. */
    readonly secretArns: pulumi.Input<pulumi.Input<string>[]>;
    /** ARN of the stack's KMS key, which encrypts those secrets. */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The secrets' region. */
    readonly region: pulumi.Input<string>;
    /** Environment variables of the function (no secret: they are plain in Lambda's configuration). */
    readonly environmentVariables?: Readonly<Record<string, pulumi.Input<string>>>;
    /** IAM statements beyond the protocol's (e.g. the service the function sets the new value in). */
    readonly extraStatements?: readonly IamStatement[];
    /** Run in these subnets, in a security group of its own with only the given ways out. */
    readonly vpc?: {
        readonly vpcId: pulumi.Input<string>;
        readonly subnetIds: pulumi.Input<pulumi.Input<string>[]>;
        readonly egress: readonly RotationEgress[];
    };
    /** Tags of every resource. */
    readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The entry and every rotation/ file it imports, transpiled to CommonJS: `{ "<file>.js": code }`,
 * keys sorted. Throws naming the file and the import when one leaves rotation/ for anything but a
 * node builtin or `@aws-sdk/*`.
 */
export function rotationCode(entry: string, root: string = repositoryRoot()): Record<string, string> {
    // The compiler is loaded here, not at the top: only AWS stacks package rotation code, and the
    // compiled program (bin/) otherwise never loads TypeScript.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, see above
    const ts = require("typescript") as typeof import("typescript");
    const folder = path.join(root, rotationCodeFolder);
    const out: Record<string, string> = {};
    const pending = [entry];
    while (pending.length > 0) {
        const file = pending.pop()!;
        const js = file.replace(/\.ts$/, ".js");
        if (js in out) continue;
        const full = path.join(folder, file);
        if (!full.startsWith(folder + path.sep) || !fs.existsSync(full))
            throw new Error(`rotation code: ${rotationCodeFolder}/${file} does not exist`);
        const source = fs.readFileSync(full, "utf8");
        for (const { fileName: spec } of ts.preProcessFile(source, true, true).importedFiles) {
            if (spec.startsWith("./") || spec.startsWith("../")) {
                const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
                if (target.startsWith("../"))
                    throw new Error(
                        `rotation code: ${rotationCodeFolder}/${file} imports ${spec}, outside ${rotationCodeFolder}/: Lambda gets ${rotationCodeFolder}/ only`,
                    );
                pending.push(target.endsWith(".ts") ? target : `${target}.ts`);
            } else if (!isBuiltin(spec) && !spec.startsWith("@aws-sdk/")) {
                throw new Error(
                    `rotation code: ${rotationCodeFolder}/${file} imports ${spec}: the function may import node builtins, @aws-sdk/* and ${rotationCodeFolder}/ files only`,
                );
            }
        }
        const cacheKey = `${full}\0${source}`;
        let output = transpiled.get(cacheKey);
        if (output === undefined) {
            output = ts.transpileModule(source, {
                fileName: file,
                compilerOptions: {
                    module: ts.ModuleKind.CommonJS,
                    target: ts.ScriptTarget.ES2022,
                    esModuleInterop: true,
                    sourceMap: false,
                },
            }).outputText;
            transpiled.set(cacheKey, output);
        }
        out[js] = output;
    }
    return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Transpiled files by path and source: every function shares protocol.ts, and transpiling a file
 * costs about 0.1 s of CPU; a changed source is a new key, so the cache is never stale.
 */
const transpiled = new Map<string, string>();

function isBuiltin(spec: string): boolean {
    return spec.startsWith("node:") || builtinModules.includes(spec);
}

/** The archive Lambda runs: `rotationCode` as string assets. */
export function rotationArchive(entry: string, root?: string): pulumi.asset.AssetArchive {
    const code = rotationCode(entry, root);
    return new pulumi.asset.AssetArchive(Object.fromEntries(Object.entries(code).map(([f, c]) => [f, new pulumi.asset.StringAsset(c)])));
}

export class RotationFunction extends pulumi.ComponentResource {
    /** ARN of the function (the SecretRotation's `rotationLambdaArn`). */
    readonly arn: pulumi.Output<string>;
    readonly function: aws.lambda.Function;
    /** The function's own security group, when it runs in a VPC. */
    readonly securityGroup?: aws.ec2.SecurityGroup;

    constructor(name: string, args: RotationFunctionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:data:RotationFunction", name, {}, opts);
        const fail = (message: string) => componentError(this, "RotationFunction", name, message);
        if (!/^[A-Za-z0-9_-]{1,64}$/.test(args.functionName))
            throw fail(`functionName must be 1 to 64 letters, digits, - or _, got ${JSON.stringify(args.functionName)}`);
        if (!/^[A-Za-z0-9_]+\.ts$/.test(args.entry))
            throw fail(
                `entry must name a file directly under ${rotationCodeFolder}/, e.g. jwtSigningKey.ts, got ${JSON.stringify(args.entry)}`,
            );
        const egressProblem = egressProblems(args.vpc?.egress ?? [])[0];
        if (egressProblem !== undefined) throw fail(egressProblem);
        let code: pulumi.asset.AssetArchive;
        try {
            code = rotationArchive(args.entry);
        } catch (e) {
            throw fail((e as Error).message);
        }
        const region = args.region;
        const tags = { ...args.tags };
        const handler = `${args.entry.replace(/\.ts$/, "")}.handler`;

        const role = new aws.iam.Role(
            `${name}-role`,
            {
                description: `Rotation function ${args.functionName}`,
                assumeRolePolicy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
                }),
                tags,
            },
            { parent: this },
        );
        const identity = aws.getCallerIdentityOutput({}, { parent: this });
        const policy = pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "RotateTheseSecrets",
                    Effect: "Allow",
                    Action: [...rotationSecretActions],
                    Resource: args.secretArns,
                },
                {
                    Sid: "StackKeyThroughSecretsManager",
                    Effect: "Allow",
                    Action: ["kms:Decrypt", "kms:GenerateDataKey"],
                    Resource: args.kmsKeyArn,
                    Condition: { StringEquals: { "kms:ViaService": pulumi.interpolate`secretsmanager.${region}.amazonaws.com` } },
                },
                {
                    Sid: "OwnLogs",
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: pulumi.interpolate`arn:aws:logs:${region}:${identity.accountId}:log-group:/aws/lambda/${args.functionName}:*`,
                },
                ...(args.vpc === undefined
                    ? []
                    : [
                          {
                              // Lambda's network interfaces in the VPC; EC2 accepts no narrower resource for these.
                              Sid: "VpcNetworkInterfaces",
                              Effect: "Allow",
                              Action: [
                                  "ec2:CreateNetworkInterface",
                                  "ec2:DescribeNetworkInterfaces",
                                  "ec2:DeleteNetworkInterface",
                                  "ec2:AssignPrivateIpAddresses",
                                  "ec2:UnassignPrivateIpAddresses",
                              ],
                              Resource: "*",
                          },
                      ]),
                ...(args.extraStatements ?? []),
            ],
        });
        const rolePolicy = new aws.iam.RolePolicy(`${name}-policy`, { role: role.id, policy }, { parent: this });

        const logs = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            {
                name: `/aws/lambda/${args.functionName}`,
                retentionInDays: rotationFunctionDefaults.logRetentionDays,
                region,
                tags,
            },
            { parent: this },
        );

        let vpcConfig: aws.types.input.lambda.FunctionVpcConfig | undefined;
        const egressRules: pulumi.Resource[] = [];
        if (args.vpc !== undefined) {
            const { securityGroup: sg, egress } = egressOnlySecurityGroup(
                {
                    names: { group: `${name}-sg`, egress: args.vpc.egress.map((_, i) => `${name}-egress-${i}`) },
                    description: `Rotation function ${args.functionName}: its listed ways out only, nothing in`,
                    vpcId: args.vpc.vpcId,
                    region,
                    tags,
                    egress: args.vpc.egress,
                },
                this,
            );
            egressRules.push(...egress);
            this.securityGroup = sg;
            vpcConfig = { subnetIds: args.vpc.subnetIds, securityGroupIds: [sg.id] };
        }

        this.function = new aws.lambda.Function(
            `${name}-function`,
            {
                name: args.functionName,
                description: `Secrets Manager rotation function (${rotationCodeFolder}/${args.entry})`,
                runtime: rotationFunctionDefaults.runtime,
                handler,
                code,
                role: role.arn,
                timeout: rotationFunctionDefaults.timeoutSeconds,
                memorySize: rotationFunctionDefaults.memorySizeMb,
                environment: args.environmentVariables ? { variables: { ...args.environmentVariables } } : undefined,
                vpcConfig,
                loggingConfig: { logFormat: "Text", logGroup: logs.name },
                region,
                tags,
            },
            { parent: this, dependsOn: [rolePolicy, logs, ...egressRules] },
        );

        new aws.lambda.Permission(
            `${name}-invoke`,
            {
                function: this.function.name,
                action: "lambda:InvokeFunction",
                principal: "secretsmanager.amazonaws.com",
                sourceAccount: identity.accountId,
                region,
            },
            { parent: this },
        );
        this.arn = this.function.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
