import { strict as assert } from "assert";
import * as k8s from "@pulumi/kubernetes";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { compliantStack, container, externalSecretFor, mutate, processSecret, types, workload } from "../fixtures/policyResources";
import {
    createResourceValidationArgs,
    createStackValidationArgs,
    policyNames,
    resource,
    runPackOnResources,
    runResourcePolicy,
    urnOf,
    type PolicyResourceLike,
} from "./harness";

const withSchema: ResourceValidationPolicy = {
    name: "with-schema",
    description: "Has config.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { min: { type: "integer", default: 30 }, list: { type: "array", default: ["x"] } } },
    validateResource: () => undefined,
};

describe("policy test harness", () => {
    it("isType compares the resource's type token", () => {
        const args = createResourceValidationArgs(withSchema, workload("web"));
        assert.equal(args.isType(k8s.apps.v1.Deployment), true);
        assert.equal(args.isType(k8s.apps.v1.StatefulSet), false);
        assert.ok(args.asType(k8s.apps.v1.Deployment));
        assert.equal(args.asType(k8s.core.v1.ConfigMap), undefined);
    });

    it("getConfig applies the schema defaults under the overrides", () => {
        assert.deepEqual(createResourceValidationArgs(withSchema, workload("web")).getConfig(), { min: 30, list: ["x"] });
        assert.deepEqual(createResourceValidationArgs(withSchema, workload("web"), { config: { min: 7 } }).getConfig(), {
            min: 7,
            list: ["x"],
        });
    });

    it("fills opts, stackTags and notApplicable like the SDK", async () => {
        const r = resource(types.rdsInstance, "db", {}, { opts: { protect: true }, parent: urnOf("grownext:data:Postgres", "db") });
        const args = createResourceValidationArgs(withSchema, r, { stackTags: { "pulumi:project": "grownext" } });
        assert.equal(args.opts.protect, true);
        assert.equal(args.opts.parent, urnOf("grownext:data:Postgres", "db"));
        assert.deepEqual(args.opts.customTimeouts, { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 });
        assert.equal(args.stackTags.get("pulumi:project"), "grownext");
        assert.throws(() => args.notApplicable("no"));
        const na: ResourceValidationPolicy = { ...withSchema, validateResource: (a) => a.notApplicable("because") };
        assert.equal((await runResourcePolicy(na, r)).notApplicable, "because");
    });

    it("resolves parents, dependencies and property dependencies for stack policies", () => {
        const parent = resource("grownext:platform:ServiceProcess", "web", {});
        const secret = resource(types.secret, "web-env", {});
        const dep = mutate(workload("web"), () => undefined);
        dep.parent = parent.urn;
        dep.dependencies = [secret.urn];
        dep.propertyDependencies = { spec: [secret.urn] };
        const probe: PolicyResourceLike = resource(types.command, "smoke", {}, { opts: { dependsOn: [parent.urn] } });
        const stack: StackValidationPolicy = { name: "s", description: "s", validateStack: () => undefined };
        const args = createStackValidationArgs(stack, [parent, secret, dep, probe]);
        const d = args.resources.find((r) => r.name === "web" && r.type === types.deployment)!;
        assert.equal(d.parent?.urn, parent.urn);
        assert.deepEqual(
            d.dependencies.map((x) => x.urn),
            [secret.urn],
        );
        assert.deepEqual(
            d.propertyDependencies.spec!.map((x) => x.urn),
            [secret.urn],
        );
        assert.deepEqual(
            args.resources.find((r) => r.name === "smoke")!.dependencies.map((x) => x.urn),
            [parent.urn],
        );
        assert.equal(d.isType(k8s.apps.v1.Deployment), true);
    });
});

describe("runPackOnResources", () => {
    const small = (): PolicyResourceLike[] => [
        mutate(workload("web"), (p) => (container(p).image = "ghcr.io/grownext/app:latest")),
        // An AWS stack: ESO writes the Secret (a literal one would be reported by no-literal-k8s-secrets-on-aws).
        externalSecretFor(processSecret("web")),
        resource(types.rdsInstance, "db", {
            backupRetentionPeriod: 1,
            storageEncrypted: true,
            deletionProtection: true,
            finalSnapshotIdentifier: "f",
        }),
    ];

    it("runs resource and stack policies and returns name, level and message", async () => {
        const violations = await runPackOnResources(small(), "staging");
        assert.deepEqual(policyNames(violations, "mandatory"), ["pinned-images", "postgres-backup-retention", "process-topology"]);
        assert.deepEqual(policyNames(violations, "advisory"), ["smoke-probe"]);
        const pinned = violations.find((v) => v.policyName === "pinned-images")!;
        assert.equal(pinned.enforcementLevel, "mandatory");
        assert.match(pinned.message, /:latest/);
        assert.match(pinned.urn ?? "", /^urn:pulumi:staging::/);
    });

    it("applies config overrides, enforcement levels and disabled policies", async () => {
        const violations = await runPackOnResources(small(), "staging", {
            "postgres-backup-retention": { minimumRetentionDays: 1 },
            "pinned-images": "advisory",
            "process-topology": { enforcementLevel: "disabled" },
            "smoke-probe": { required: false },
        });
        assert.deepEqual(policyNames(violations, "mandatory"), []);
        assert.deepEqual(policyNames(violations), ["pinned-images"]);
    });

    it("names the stack in URNs so stack-scoped rules see it", async () => {
        const list = compliantStack("test").map((r) => ({ ...r, opts: { ...r.opts, protect: false } }));
        assert.deepEqual(policyNames(await runPackOnResources(list, "staging")), []);
        assert.deepEqual(policyNames(await runPackOnResources(list, "production")), ["production-data-protected"]);
    });
});

describe("policy test harness: values as the engine sends them", () => {
    it("unwraps secrets recorded in Pulumi's wire form, like the SDK's deserializer", () => {
        const wrapped = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });
        const secret = resource(types.secret, "web-env", {
            metadata: { name: "web-env" },
            stringData: wrapped({ SUPABASE_SERVICE_ROLE_KEY: "x" }),
        });
        const args = createStackValidationArgs(withSchema, [secret]);
        assert.deepEqual(Object.keys(args.resources[0]!.props.stringData), ["SUPABASE_SERVICE_ROLE_KEY"]);
        const rg = resource(types.replicationGroup, "redis", { authToken: wrapped("token") });
        assert.equal(createResourceValidationArgs(withSchema, rg).props.authToken, "token");
    });
});
