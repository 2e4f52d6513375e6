/**
 * The pack as the Pulumi CLI runs it: `@pulumi/pulumi/cmd/run-policy-pack` (ts-node with type
 * checking, policies/tsconfig.json) serves policies/index.ts over gRPC, and this test is the engine's
 * side of the Analyzer protocol. It proves, against the real SDK server rather than the local
 * harness, that the pack loads, that mandatory rules stay mandatory when a value is unknown during
 * preview, and that config defaults hold when the CLI configures only some policies.
 */
import { strict as assert } from "assert";
import { spawn, type ChildProcess } from "child_process";
import * as path from "path";
import { compliantStack, kmsKeyProps, mutate, container, workload } from "../fixtures/policyResources";
import { policiesDir, UNKNOWN_VALUE, type PolicyResourceLike } from "./harness";

/* eslint-disable @typescript-eslint/no-require-imports -- the analyzer's generated gRPC modules have no typings to import */
const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromPulumi = (m: string) => require(require.resolve(m, { paths: [pulumiDir] }));
const grpc = fromPulumi("@grpc/grpc-js");
const analyzerPb = require("@pulumi/pulumi/proto/analyzer_pb");
const analyzerGrpc = require("@pulumi/pulumi/proto/analyzer_grpc_pb");
const structPb = fromPulumi("google-protobuf/google/protobuf/struct_pb");
const emptyPb = fromPulumi("google-protobuf/google/protobuf/empty_pb");

const levels = ["advisory", "mandatory", "disabled", "remediate"] as const;

interface Diagnostic {
    policyName: string;
    enforcementLevel: (typeof levels)[number];
    message: string;
}

function call<T>(client: any, method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => client[method](request, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
}

function options(r: PolicyResourceLike): any {
    const o = new analyzerPb.AnalyzerResourceOptions();
    o.setProtect(r.opts?.protect === true);
    if (r.parent) o.setParent(r.parent);
    return o;
}

function diagnostics(res: any): Diagnostic[] {
    return res.getDiagnosticsList().map((d: any) => ({
        policyName: d.getPolicyname(),
        enforcementLevel: levels[d.getEnforcementlevel()],
        message: d.getMessage(),
    }));
}

describe("the pack served by Pulumi's policy-pack runner", function () {
    this.timeout(120000);
    let child: ChildProcess | undefined;
    let client: any;

    before(async () => {
        const runner = path.join(pulumiDir, "cmd", "run-policy-pack", "index.js");
        child = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: policiesDir, stdio: ["ignore", "pipe", "pipe"] });
        const port = await new Promise<string>((resolve, reject) => {
            let out = "";
            let err = "";
            child!.stdout!.on("data", (d) => {
                out += d;
                const m = /^(\d+)\s*$/m.exec(out);
                if (m) resolve(m[1]!);
            });
            child!.stderr!.on("data", (d) => (err += d));
            child!.on("exit", (code) => reject(new Error(`policy pack exited with ${code}:\n${err}`)));
        });
        client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        child?.kill();
    });

    async function analyze(r: PolicyResourceLike): Promise<Diagnostic[]> {
        const req = new analyzerPb.AnalyzeRequest();
        req.setType(r.type);
        req.setUrn(r.urn);
        req.setName(r.name);
        req.setProperties(structPb.Struct.fromJavaScript(r.props));
        req.setOptions(options(r));
        return diagnostics(await call(client, "analyze", req));
    }

    async function analyzeStack(resources: PolicyResourceLike[]): Promise<Diagnostic[]> {
        const req = new analyzerPb.AnalyzeStackRequest();
        req.setResourcesList(
            resources.map((r) => {
                const a = new analyzerPb.AnalyzerResource();
                a.setType(r.type);
                a.setUrn(r.urn);
                a.setName(r.name);
                a.setProperties(structPb.Struct.fromJavaScript(JSON.parse(JSON.stringify(r.props))));
                a.setOptions(options(r));
                if (r.parent) a.setParent(r.parent);
                a.setDependenciesList([...(r.dependencies ?? []), ...(r.opts?.dependsOn ?? [])]);
                return a;
            }),
        );
        return diagnostics(await call(client, "analyzeStack", req));
    }

    it("reports the pack's name and every policy with its level", async () => {
        const info: any = await call(client, "getAnalyzerInfo", new emptyPb.Empty());
        assert.equal(info.getName(), "grownext-guides");
        const policies = info.getPoliciesList().map((p: any) => [p.getName(), levels[p.getEnforcementlevel()]]);
        assert.ok(policies.some(([n, l]: string[]) => n === "kms-key-rotation" && l === "mandatory"));
        assert.ok(policies.some(([n, l]: string[]) => n === "smoke-probe" && l === "advisory"));
    });

    it("keeps a mandatory rule mandatory when its value is unknown during preview", async () => {
        const key: PolicyResourceLike = {
            type: "aws:kms/key:Key",
            name: "stack-key",
            urn: "urn:pulumi:production::grownext::aws:kms/key:Key::stack-key",
            props: { ...kmsKeyProps(), enableKeyRotation: UNKNOWN_VALUE },
        };
        const ds = (await analyze(key)).filter((d) => d.policyName === "kms-key-rotation");
        assert.equal(ds.length, 1);
        assert.equal(ds[0]!.enforcementLevel, "mandatory");
        assert.match(ds[0]!.message, /enableKeyRotation is unknown during preview/);
    });

    it("reports an unpinned image as mandatory", async () => {
        const w = mutate(workload("web", { stack: "production" }), (p) => (container(p).image = "node:latest"));
        const ds = await analyze(w);
        assert.deepEqual(
            ds.map((d) => `${d.policyName}/${d.enforcementLevel}`),
            ["pinned-images/mandatory"],
        );
    });

    it("passes a compliant production stack, then applies per-stack config with the other defaults intact", async () => {
        const stack = compliantStack("production");
        assert.deepEqual(await analyzeStack(stack), []);
        const noProbe = stack.filter((r) => r.type !== "command:local:Command");
        assert.deepEqual(
            (await analyzeStack(noProbe)).map((d) => d.policyName),
            ["smoke-probe"],
        );

        const configure = new analyzerPb.ConfigureAnalyzerRequest();
        const smoke = new analyzerPb.PolicyConfig();
        smoke.setEnforcementlevel(0);
        smoke.setProperties(structPb.Struct.fromJavaScript({ required: false }));
        configure.getPolicyconfigMap().set("smoke-probe", smoke);
        await call(client, "configure", configure);
        assert.deepEqual(await analyzeStack(noProbe), []);
        // Unconfigured policies still apply their schema defaults (HSTS max-age 180 days).
        const weak = noProbe.map((r) =>
            r.name === "security-headers" ? mutate(r, (p) => (p.data["Strict-Transport-Security"] = "max-age=600")) : r,
        );
        assert.deepEqual(
            (await analyzeStack(weak)).map((d) => d.policyName),
            ["ingress-hsts"],
        );
    });
});
