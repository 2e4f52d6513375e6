/**
 * The SmokeProbes component under Pulumi mocks: what its Command runs, with which environment,
 * triggers and dependencies, and what it refuses.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { smokeProbeMarker } from "../../../catalog/labels";
import type * as SmokeProbesModule from "../../../components/probes/smokeProbes";
import { installMocks, promiseOf, recorder, settle } from "../../../sandbox/mocks";
import { repoRoot } from "../../probes/harness";

const commandType = "command:local:Command";

/** The dependency URNs each registration carried to the engine, by resource name. */
const dependenciesByName = new Map<string, string[]>();

interface RegisterResourceRequest {
    getName(): string;
    getDependenciesList(): string[];
}

/**
 * The mocks' `newResource` does not see `dependsOn`, so the registration request is observed on its
 * way to the mock monitor: this is what the engine would order the update by.
 */
function recordDependencies(): void {
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(request: RegisterResourceRequest, callback: unknown): void;
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (request, callback) => {
        dependenciesByName.set(request.getName(), request.getDependenciesList());
        register(request, callback);
    };
}

/** A workload as the engine sees it: a custom resource with a URN (CustomResource itself is abstract). */
class StandInDeployment extends pulumi.CustomResource {
    constructor(name: string) {
        super("kubernetes:apps/v1:Deployment", name, {});
    }
}

describe("SmokeProbes component", () => {
    let module: typeof SmokeProbesModule;

    before(async () => {
        installMocks({ stack: "staging" });
        recordDependencies();
        module = await import("../../../components/probes/smokeProbes");
    });
    beforeEach(() => {
        recorder.reset();
        dependenciesByName.clear();
    });

    /** Two stand-in workloads the probes must wait for. */
    function workloads(prefix: string): pulumi.CustomResource[] {
        return ["web", "identity"].map((process) => new StandInDeployment(`${prefix}-${process}`));
    }

    function args(overrides: Partial<SmokeProbesModule.SmokeProbesArgs> = {}): SmokeProbesModule.SmokeProbesArgs {
        return {
            enabled: true,
            apiUrl: "https://api.staging.example.com",
            identityUrl: pulumi.output("https://identity.staging.example.com"),
            portalUrl: "https://portal.staging.example.com",
            triggers: ["registry.example.com/app@sha256:abc", pulumi.output("config-hash-1")],
            dependsOn: workloads(`w${Math.random().toString(36).slice(2, 8)}`),
            ...overrides,
        };
    }

    async function declare(name: string, overrides: Partial<SmokeProbesModule.SmokeProbesArgs> = {}) {
        const given = args(overrides);
        const component = new module.SmokeProbes(name, given);
        await promiseOf(component.urn);
        if (component.run) {
            await promiseOf(component.run.urn);
        }
        await settle();
        return { component, given };
    }

    it("runs the probe CLI from the repository root", async () => {
        await declare("staging-smoke");
        const command = recorder.one(commandType, "staging-smoke-run").inputs;
        assert.equal(command.create, "node --require ts-node/register/transpile-only probes/cli.ts");
        assert.equal(command.dir, repoRoot);
        assert.ok(fs.existsSync(path.join(command.dir, "probes", "cli.ts")), "the command's dir holds probes/cli.ts");
        assert.equal(command.addPreviousOutputInEnv, false);
    });

    it("passes the URLs and the post-deploy marker through the environment", async () => {
        await declare("staging-smoke", {
            issuer: "https://identity.staging.example.com/",
            deadlineSeconds: 300,
            caFile: "/etc/ssl/private-ca.pem",
        });
        const environment = recorder.one(commandType, "staging-smoke-run").inputs.environment;
        assert.deepEqual(environment, {
            SMOKE_API_URL: "https://api.staging.example.com",
            SMOKE_IDENTITY_URL: "https://identity.staging.example.com",
            SMOKE_PORTAL_URL: "https://portal.staging.example.com",
            SMOKE_ISSUER: "https://identity.staging.example.com/",
            SMOKE_DEADLINE_SECONDS: "300",
            SMOKE_CA_FILE: "/etc/ssl/private-ca.pem",
            [smokeProbeMarker]: "post-deploy",
        });
    });

    it("leaves optional settings to the CLI's defaults when they are not given", async () => {
        await declare("staging-smoke");
        const environment = recorder.one(commandType, "staging-smoke-run").inputs.environment;
        assert.deepEqual(
            Object.keys(environment).sort(),
            [smokeProbeMarker, "SMOKE_API_URL", "SMOKE_IDENTITY_URL", "SMOKE_PORTAL_URL"].sort(),
        );
    });

    it("passes the triggers through, so a new image or config re-runs the probes", async () => {
        await declare("staging-smoke");
        assert.deepEqual(recorder.one(commandType, "staging-smoke-run").inputs.triggers, [
            "registry.example.com/app@sha256:abc",
            "config-hash-1",
        ]);
    });

    it("runs after every workload it is given, as a child of the component", async () => {
        const given = workloads("rollout");
        const { component } = await declare("staging-smoke", { dependsOn: given });
        const workloadUrns = await Promise.all(given.map((workload) => promiseOf(workload.urn)));
        const commandDependencies = dependenciesByName.get("staging-smoke-run");
        assert.ok(commandDependencies, "the Command was registered");
        for (const urn of workloadUrns) {
            assert.ok(commandDependencies.includes(urn), `the Command depends on ${urn}; it has ${commandDependencies.join(", ")}`);
        }
        const commandUrn = await promiseOf(component.run!.urn);
        assert.match(commandUrn, /grownext:probes:SmokeProbes\$command:local:Command::staging-smoke-run$/);
    });

    it("names its Command after the instance, so two instances never collide", async () => {
        await declare("blue-smoke");
        await declare("green-smoke");
        assert.deepEqual(
            recorder
                .ofType(commandType)
                .map((command) => command.name)
                .sort(),
            ["blue-smoke-run", "green-smoke-run"],
        );
    });

    it("declares no Command when disabled", async () => {
        const { component } = await declare("local-smoke", { enabled: false, dependsOn: [] });
        assert.equal(component.run, undefined);
        assert.deepEqual(recorder.ofType(commandType), []);
        assert.deepEqual(
            recorder.ofType("grownext:probes:SmokeProbes").map((resource) => resource.name),
            ["local-smoke"],
        );
    });

    describe("refuses, saying what to change", () => {
        for (const deadlineSeconds of [0, 0.5, 3601, Number.NaN]) {
            it(`a deadline of ${deadlineSeconds} seconds`, () => {
                assert.throws(
                    () => new module.SmokeProbes("bad-smoke", args({ deadlineSeconds })),
                    (error: Error) =>
                        /^SmokeProbes bad-smoke: deadlineSeconds must be from 1 to 3600 \(got [^)]+\); it bounds the whole probe run/.test(
                            error.message,
                        ),
                );
            });
        }

        it("an enabled probe with nothing to wait for", () => {
            assert.throws(
                () => new module.SmokeProbes("early-smoke", args({ dependsOn: [] })),
                /SmokeProbes early-smoke: dependsOn is empty; pass the workloads of the rollout/,
            );
        });

        it("a plain-HTTP portal", () => {
            assert.throws(
                () => new module.SmokeProbes("http-smoke", args({ portalUrl: "http://portal.example.com" })),
                /portalUrl must be an https:\/\/ URL/,
            );
        });

        it("a URL that is not absolute", () => {
            assert.throws(
                () => new module.SmokeProbes("relative-smoke", args({ apiUrl: "api.example.com" })),
                /apiUrl must be an absolute http\(s\) URL such as https:\/\/api\.example\.com/,
            );
        });
    });
});
