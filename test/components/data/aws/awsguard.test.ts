/**
 * The AWS peer pack: every policy of Pulumi's public `@pulumi/awsguard`, all treated as mandatory,
 * run on the AWS resources the production data tier and secret store declare under mocks.
 *
 * The pack's `AwsGuard` class is a PolicyPack, whose constructor starts the analyzer's gRPC server,
 * so the test never constructs it: it loads the package normally, then collects the policies each
 * of its modules exports and calls them the way the analyzer does (policy-by-policy, with
 * `notApplicable` thrown for other types and `getConfig()` giving each policy's schema defaults).
 * A missing package fails the suite (it is a devDependency): nothing is skipped.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type * as awsTypes from "@pulumi/aws";
import type * as k8sTypes from "@pulumi/kubernetes";
import type { DataTier as DataTierType } from "../../../../components/data/dataTier";
import type { SecretStore as SecretStoreType } from "../../../../components/data/aws/secretStore";
import { installMocks, recorder, settle, unwrap, type RecordedResource } from "../../../../sandbox/mocks";
import { minimalStackConfig } from "../../../fixtures/minimalStacks";

type Report = (message: string, urn?: string) => void;
type Validation = (args: any, report: Report) => unknown;

interface PackPolicy {
    readonly name: string;
    readonly description?: string;
    readonly validateResource?: Validation | Validation[];
    readonly validateStack?: Validation;
    readonly configSchema?: { readonly properties?: Record<string, { readonly default?: unknown }> };
}

class NotApplicable extends Error {}

const installHint =
    "@pulumi/awsguard is not installed: run `npm install` (it is a devDependency; to add it: npm install --save-dev --save-exact @pulumi/awsguard@0.3.1)";

/** Loads @pulumi/awsguard and every policy its modules export (each module registers its own). */
export function loadAwsGuardPolicies(): PackPolicy[] {
    let pack: { AwsGuard?: unknown };
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily, so a missing package gets the install hint
        pack = require("@pulumi/awsguard");
    } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === "MODULE_NOT_FOUND" && err.message.includes("@pulumi/awsguard")) throw new Error(installHint, { cause: e });
        throw e;
    }
    assert.strictEqual(typeof pack.AwsGuard, "function", "@pulumi/awsguard exports its AwsGuard pack");
    const dir = path.dirname(require.resolve("@pulumi/awsguard/package.json"));
    const policies = new Map<string, PackPolicy>();
    for (const file of fs
        .readdirSync(dir)
        .filter((f) => f.endsWith(".js"))
        .sort()) {
        // eslint-disable-next-line @typescript-eslint/no-require-imports -- every file of the pack, found at run time
        const exported = require(path.join(dir, file)) as Record<string, unknown>;
        for (const value of Object.values(exported)) {
            const p = value as PackPolicy;
            if (
                p &&
                typeof p === "object" &&
                typeof p.name === "string" &&
                (p.validateResource !== undefined || typeof p.validateStack === "function")
            ) {
                policies.set(p.name, p);
            }
        }
    }
    return [...policies.values()];
}

/** `getConfig()` as the engine answers it for `{ all: "mandatory" }`: each property's default. */
function defaultConfig(p: PackPolicy): Record<string, unknown> {
    return Object.fromEntries(
        Object.entries(p.configSchema?.properties ?? {})
            .filter(([, s]) => s.default !== undefined)
            .map(([k, s]) => [k, s.default]),
    );
}

function isTypeOf(type: string, cls: any): boolean {
    if (typeof cls?.__pulumiType === "string") return cls.__pulumiType === type;
    return typeof cls?.isInstance === "function" && cls.isInstance({ __pulumiType: type }) === true;
}

interface Finding {
    policy: string;
    resource: string;
    message: string;
}

/** Runs every resource policy on every resource, and every stack policy on all of them. */
async function runPack(
    policies: readonly PackPolicy[],
    resources: readonly RecordedResource[],
): Promise<{ violations: Finding[]; applied: Finding[] }> {
    const violations: Finding[] = [];
    const applied: Finding[] = [];
    const notApplicable = (reason?: string): never => {
        throw new NotApplicable(reason);
    };
    const view = (r: RecordedResource) => {
        const props = unwrap<Record<string, unknown>>(r.inputs);
        return {
            type: r.type,
            props,
            urn: r.urn ?? r.name,
            name: r.name,
            opts: {
                protect: r.protect ?? false,
                ignoreChanges: [],
                aliases: [],
                additionalSecretOutputs: [],
                customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            },
            dependencies: [],
            propertyDependencies: {},
            isType: (cls: unknown) => isTypeOf(r.type, cls),
            asType: (cls: unknown) => (isTypeOf(r.type, cls) ? props : undefined),
        };
    };
    for (const p of policies) {
        const getConfig = () => defaultConfig(p);
        if (p.validateResource !== undefined) {
            const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            for (const r of resources) {
                for (const validate of validations) {
                    const resource = `${r.type} ${r.name}`;
                    const report: Report = (message) => violations.push({ policy: p.name, resource, message });
                    try {
                        await validate({ ...view(r), getConfig, notApplicable, stackTags: new Map() }, report);
                        applied.push({ policy: p.name, resource, message: "" });
                    } catch (e) {
                        if (!(e instanceof NotApplicable)) throw e;
                    }
                }
            }
        }
        if (typeof p.validateStack === "function") {
            const report: Report = (message, urn) => violations.push({ policy: p.name, resource: urn ?? "(stack)", message });
            try {
                await p.validateStack({ resources: resources.map(view), getConfig, notApplicable, stackTags: new Map() }, report);
                applied.push({ policy: p.name, resource: "(stack)", message: "" });
            } catch (e) {
                if (!(e instanceof NotApplicable)) throw e;
            }
        }
    }
    return { violations, applied };
}

describe("@pulumi/awsguard (all policies mandatory) on the production data tier", () => {
    let policies: PackPolicy[];
    let awsResources: RecordedResource[];

    before(async function () {
        this.timeout(120000);
        installMocks();
        policies = loadAwsGuardPolicies();
        const { DataTier } = (await import("../../../../components/data/dataTier")) as { DataTier: typeof DataTierType };
        const { SecretStore } = (await import("../../../../components/data/aws/secretStore")) as { SecretStore: typeof SecretStoreType };
        const k8s = (await import("@pulumi/kubernetes")) as typeof k8sTypes;
        const aws = (await import("@pulumi/aws")) as typeof awsTypes;
        recorder.reset();
        const cfg = minimalStackConfig("production");
        const awsProvider = new aws.Provider("guard-aws", { region: "eu-west-1" });
        const tier = new DataTier(
            "guard-data",
            { config: cfg, namespace: "grownext" },
            { providers: [new k8s.Provider("guard-k8s", {}), awsProvider] },
        );
        new SecretStore(
            "guard-secrets",
            {
                config: cfg,
                namespace: "grownext",
                kmsKey: tier.kmsKey!,
                processSecrets: cfg.services.map((s) => ({
                    process: s.spec.name,
                    values: { DATABASE_URL: pulumi.secret(tier.env.appDatabaseUrl) },
                })),
            },
            { providers: [awsProvider] },
        );
        await settle();
        awsResources = recorder.resources.filter((r) => r.custom && r.type.startsWith("aws:"));
    });

    it("loads the whole pack: as many policies as the package registers", () => {
        const dir = path.dirname(require.resolve("@pulumi/awsguard/package.json"));
        const registered = fs
            .readdirSync(dir)
            .filter((f) => f.endsWith(".js"))
            .map((f) => (fs.readFileSync(path.join(dir, f), "utf8").match(/\.registerPolicy\("/g) ?? []).length)
            .reduce((a, b) => a + b, 0);
        assert.ok(registered >= 20, `the package registers its policies (found ${registered})`);
        assert.strictEqual(policies.length, registered, `loaded ${policies.map((p) => p.name).join(", ")}`);
        for (const name of [
            "rds-instance-backup-enabled",
            "rds-instance-multi-az-enabled",
            "rds-instance-public-access",
            "rds-storage-encrypted",
            "cmk-backing-key-rotation-enabled",
        ]) {
            assert.ok(
                policies.some((p) => p.name === name),
                `the pack has ${name}`,
            );
        }
    });

    it("reports no violation on any production AWS resource", async () => {
        assert.ok(awsResources.length > 10, "the production data tier declares its AWS resources");
        const { violations } = await runPack(policies, awsResources);
        assert.deepStrictEqual(violations, []);
    });

    it("really applies the RDS and KMS policies (no vacuous pass)", async () => {
        const { applied } = await runPack(policies, awsResources);
        const count = (policy: string) => applied.filter((a) => a.policy === policy).length;
        for (const policy of [
            "rds-instance-backup-enabled",
            "rds-instance-multi-az-enabled",
            "rds-instance-public-access",
            "rds-storage-encrypted",
        ]) {
            assert.strictEqual(count(policy), 2, `${policy} ran on both RDS instances`);
        }
        assert.strictEqual(count("cmk-backing-key-rotation-enabled"), 1);
    });

    it("would report a weakened production instance and key (the harness sees violations)", async () => {
        const weakened = awsResources.map((r): RecordedResource => {
            if (r.type === "aws:rds/instance:Instance")
                return {
                    ...r,
                    inputs: { ...r.inputs, multiAz: false, publiclyAccessible: true, storageEncrypted: false, backupRetentionPeriod: 0 },
                };
            if (r.type === "aws:kms/key:Key") return { ...r, inputs: { ...r.inputs, enableKeyRotation: false } };
            return r;
        });
        const { violations } = await runPack(policies, weakened);
        const names = new Set(violations.map((v) => v.policy));
        for (const policy of [
            "rds-instance-backup-enabled",
            "rds-instance-multi-az-enabled",
            "rds-instance-public-access",
            "rds-storage-encrypted",
            "cmk-backing-key-rotation-enabled",
        ]) {
            assert.ok(names.has(policy), `${policy} reports the weakened resource`);
        }
    });
});
