/**
 * The ci-oidc project (ci-oidc/index.ts) evaluated under mocks with the example config of
 * Pulumi.ci.yaml: one provider for the account, one deploy role per environment, a read-only
 * preview role, and state access scoped to what each role does.
 */
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import YAML from "yaml";
import { installMocks, promiseOf, recorder, settle } from "../../sandbox/mocks";

const projectDir = path.resolve(__dirname, "../../ci-oidc");
const subKey = "token.actions.githubusercontent.com:sub";

interface PolicyStatement {
    Sid?: string;
    Action: string | string[];
    Resource: string | string[];
    Principal?: { Federated?: string };
    Condition?: Record<string, Record<string, unknown>>;
}

function statements(json: string): PolicyStatement[] {
    return (JSON.parse(json) as { Statement: PolicyStatement[] }).Statement;
}

function exampleConfig(): Record<string, string> {
    const doc = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.ci.yaml"), "utf8")) as { config: Record<string, unknown> };
    // The engine hands objects and arrays to the program as JSON strings.
    return Object.fromEntries(Object.entries(doc.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

const programPath = path.join(projectDir, "index.ts");

/** Evaluates ci-oidc/index.ts afresh with this config (the module reads config at load). */
async function loadProgram(config: Record<string, string>): Promise<Record<string, unknown>> {
    pulumi.runtime.setAllConfig(config);
    delete require.cache[require.resolve(programPath)];
    recorder.reset();
    const program = (await import("../../ci-oidc/index")) as unknown as Record<string, unknown>;
    await settle();
    return program;
}

describe("ci-oidc project", () => {
    let program: Record<string, unknown>;
    let savedConfig: Record<string, string>;

    before(async () => {
        savedConfig = pulumi.runtime.allConfig();
        const project = (YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name;
        assert.equal(project, "grownext-ci-oidc");
        installMocks({ project, stack: "ci" });
        program = await loadProgram(exampleConfig());
    });
    // Config is process-wide: leave it as the other suites expect it.
    after(() => pulumi.runtime.setAllConfig(savedConfig));

    it("runs its own entry point, not the root package.json's main", () => {
        const doc = YAML.parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { main?: string; runtime: unknown };
        assert.equal(doc.main, "index.ts");
        assert.ok(fs.existsSync(path.join(projectDir, "tsconfig.json")), "ts-node finds ci-oidc/tsconfig.json");
    });

    it("declares the account's GitHub OIDC provider once, shared by every role", async () => {
        const providers = recorder.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider");
        assert.equal(providers.length, 1);
        const providerArn = await promiseOf(program.oidcProviderArn as pulumi.Output<string>);
        const roles = recorder.ofType("aws:iam/role:Role");
        assert.equal(roles.length, 3);
        for (const role of roles) assert.equal(statements(role.inputs.assumeRolePolicy)[0]!.Principal?.Federated, providerArn, role.name);
    });

    it("makes one deploy role per environment and a pull-request preview role", () => {
        const subjects = Object.fromEntries(
            recorder
                .ofType("aws:iam/role:Role")
                .map((r) => [r.name, statements(r.inputs.assumeRolePolicy)[0]!.Condition!.StringEquals![subKey]]),
        );
        assert.deepEqual(subjects, {
            "deploy-staging-role": ["repo:acme/grownext-platform:environment:staging"],
            "deploy-production-role": ["repo:acme/grownext-platform:environment:production"],
            "preview-role": ["repo:acme/grownext-platform:pull_request"],
        });
    });

    it("gives deploy roles the longer session the workflow asks for, previews the default", () => {
        assert.equal(recorder.one("aws:iam/role:Role", "deploy-production-role").inputs.maxSessionDuration, 7200);
        assert.equal(recorder.one("aws:iam/role:Role", "preview-role").inputs.maxSessionDuration, 3600);
    });

    it("lets previews read state and deploys write it, both decrypt with the secrets key only", () => {
        const policy = (name: string) => statements(recorder.one("aws:iam/rolePolicy:RolePolicy", name).inputs.policy);
        const objects = (name: string) => policy(name).find((s) => s.Sid === "StateObjects")!;
        assert.deepEqual(objects("preview-inline").Action, ["s3:GetObject"]);
        assert.deepEqual(objects("deploy-staging-inline").Action, ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]);
        assert.equal(objects("preview-inline").Resource, "arn:aws:s3:::acme-pulumi-state/*");
        for (const name of ["preview-inline", "deploy-production-inline"]) {
            const kms = policy(name).find((s) => s.Sid === "StateSecrets")!;
            assert.deepEqual(kms.Action, ["kms:Decrypt"]);
            assert.match(String(kms.Resource), /^arn:aws:kms:/);
        }
    });

    it("keeps the preview role view-only", () => {
        const managed = recorder.one("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "preview-managed");
        assert.deepEqual(managed.inputs.policyArns, ["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]);
    });

    it("exports where each ARN goes in the repository settings", async () => {
        const vars = (await promiseOf(pulumi.output(program.githubVariables))) as {
            repository: Record<string, string>;
            environments: Record<string, Record<string, string>>;
        };
        assert.deepEqual(Object.keys(vars.repository), ["AWS_PREVIEW_ROLE_ARN"]);
        assert.deepEqual(Object.keys(vars.environments).sort(), ["production", "staging"]);
        assert.deepEqual(Object.keys(vars.environments.production!).sort(), ["AWS_DEPLOY_ROLE_ARN", "AWS_ROLE_DURATION_SECONDS"]);
        assert.equal(vars.environments.production!.AWS_ROLE_DURATION_SECONDS, "7200");
    });
});

describe("ci-oidc project with one secrets key per environment", () => {
    const keys = {
        staging: "arn:aws:kms:eu-west-1:123456789012:key/staging",
        production: "arn:aws:kms:eu-west-1:123456789012:key/production",
    };
    let savedConfig: Record<string, string>;
    const config = (extra: Record<string, string>) => {
        const c = exampleConfig();
        delete c["grownext-ci-oidc:secretsKmsKeyArn"];
        return { ...c, ...extra };
    };

    before(() => {
        savedConfig = pulumi.runtime.allConfig();
        installMocks({ project: "grownext-ci-oidc", stack: "ci" });
    });
    after(() => pulumi.runtime.setAllConfig(savedConfig));

    it("lets each deploy role decrypt with its own key only", async () => {
        await loadProgram(config({ "grownext-ci-oidc:secretsKmsKeyArns": JSON.stringify(keys) }));
        const kms = (name: string) =>
            statements(recorder.one("aws:iam/rolePolicy:RolePolicy", name).inputs.policy).find((st) => st.Sid === "StateSecrets")!.Resource;
        assert.equal(kms("deploy-staging-inline"), keys.staging);
        assert.equal(kms("deploy-production-inline"), keys.production);
        assert.deepEqual(kms("preview-inline"), [keys.staging, keys.production]);
    });

    it("refuses a map without a key for every environment", async () => {
        await assert.rejects(
            loadProgram(config({ "grownext-ci-oidc:secretsKmsKeyArns": JSON.stringify({ staging: keys.staging }) })),
            /secretsKmsKeyArns has no key for production; add one per environment/,
        );
    });

    it("needs no deploy policies in an account that only hosts the preview role", async () => {
        const c = config({ "grownext-ci-oidc:environments": "[]" });
        delete c["grownext-ci-oidc:deployPolicyArns"];
        await loadProgram(c);
        assert.deepEqual(
            recorder.ofType("aws:iam/role:Role").map((r) => r.name),
            ["preview-role"],
        );
        assert.equal(recorder.ofType("aws:iam/openIdConnectProvider:OpenIdConnectProvider")[0]!.name, "preview-oidc");
    });
});
