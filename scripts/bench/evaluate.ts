/**
 * One program evaluation under Pulumi mocks, in its own process, for the benchmark (compiled with the
 * program by scripts/bench.ts, so both sides run plain JavaScript as unattended runs do):
 *   evaluate.js empty                 the floor: the SDK and mocks loaded, nothing declared
 *   evaluate.js <stack> [scale]       the stack's platform, with the catalog repeated `scale` times
 *   evaluate.js bare <file>           the registrations a run recorded (BENCH_RECORD=<file>), declared bare
 * Prints one JSON line: resources declared and the milliseconds spent declaring them.
 * Fixtures that are not the program's work (the operator's key pair) come from the bench, made once.
 * Its own small mocks (the tests' richer ones stay in test/): every resource echoes its inputs, and
 * the few provider functions the program calls get fixed answers.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { awsLimits } from "../../catalog/guardrails";
import { parse } from "yaml";
import { processCatalog, type ProcessSpec } from "../../catalog/processes";
import { declareWithShallowStacks } from "../../wiring/shallowStacks";
import { fakeState } from "../../sandbox/mocks";

/** Where the stack files are: the bench runs a compiled copy of this file from a folder of its own. */
const repoRoot = process.env.GROWNEXT_REPO_ROOT ?? path.resolve(__dirname, "..", "..");

/** The catalog repeated: copies get their own names and public hosts, as an eighth process would. */
export function scaledCatalog(scale: number): ProcessSpec[] {
    if (scale === 1) return [...processCatalog];
    return Array.from({ length: scale }, (_, i) =>
        processCatalog.map((p) =>
            i === 0 ? p : { ...p, name: `${p.name}-${i}`, publicHost: p.publicHost ? `${p.publicHost}-${i}` : undefined },
        ),
    ).flat();
}

const calls: Record<string, (inputs: Record<string, any>) => Record<string, unknown>> = {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: "123456789012",
        arn: "arn:aws:iam::123456789012:user/bench",
        userId: "bench",
    }),
    "aws:index/getRegion:getRegion": (i) => ({ name: i.region ?? "eu-west-1", region: i.region ?? "eu-west-1" }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com" }),
    // The ESO CRD preflight of the AWS stacks (components/data/aws/externalSecrets.ts): a cluster serving both CRDs.
    "command:local:run": () => ({
        stdout: "crd secretstores.external-secrets.io 0 v1\ncrd externalsecrets.external-secrets.io 0 v1\n",
        stderr: "",
    }),
    "aws:ec2/getSubnet:getSubnet": (i) => ({ id: i.id, cidrBlock: `10.0.${parseInt(String(i.id).slice(-2), 16) || 0}.0/24` }),
};

let declared = 0;
/** What each registration carried, kept when BENCH_RECORD names a file to write it to (for `bare`). */
interface Registration {
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly inputs: Record<string, unknown>;
}
const recorded: Registration[] = [];
function installMocks(stack: string): void {
    void pulumi.runtime.setMocks(
        {
            newResource(args) {
                declared++;
                if (process.env.BENCH_RECORD)
                    recorded.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs: args.inputs });
                // The tests' fake provider answers (RDS's master secret, ARNs, endpoints): one home for them.
                return { id: `${args.name}-id`, state: fakeState(args) };
            },
            call(args) {
                const answer = calls[args.token];
                if (!answer) throw new Error(`the bench's mocks have no answer for ${args.token}`);
                return answer(args.inputs);
            },
        },
        "grownext",
        stack,
        false,
    );
}

/** What an operator sets with --secret on each stack: fakes made at run time (an RSA key from node:crypto). */
function operatorSecrets(stack: string): Record<string, unknown> {
    const fake = (...parts: string[]) => parts.join("_");
    if (stack === "local") return {};
    const common = {
        stripeWebhookSecret: fake("whsec", "BENCHFAKE0123456789"),
        supabaseServiceRoleKey: "service-role-BENCH-FAKE-0123456789",
    };
    if (stack === "staging") return { ...common, stripeSecretKey: fake("sk", "test", "BENCHFAKE0123456789") };
    return { ...common, stripeSecretKey: fake("sk", "live", "BENCHFAKE0123456789") };
}

/**
 * The identity's signing key pair an operator keeps in config. Made once per bench run by
 * scripts/bench.ts and read from the file BENCH_OPERATOR_KEYS names: RSA key generation takes from
 * 0.1 to 1 s of CPU, at random, and is not the program's work (the program reads the key from its
 * config). Made here only when this script runs on its own.
 */
function operatorKeyPair(): { publicKey: string; privateKey: string } {
    const file = process.env.BENCH_OPERATOR_KEYS;
    if (file) return JSON.parse(fs.readFileSync(file, "utf8")) as { publicKey: string; privateKey: string };
    return crypto.generateKeyPairSync("rsa", {
        modulusLength: 2048,
        publicKeyEncoding: { type: "spki", format: "pem" },
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
    });
}

/** The signature key and value the SDK's serializer marks a secret with, in recorded inputs. */
const secretSig = { key: "4dabf18193072939515e22adb298388d", value: "1b47061264138c4ac30d75fd1eb44270" };

/** A recorded input value as a program would pass it: secrets wrapped again with pulumi.secret. */
function revive(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(revive);
    if (value === null || typeof value !== "object") return value;
    const v = value as Record<string, unknown>;
    if (v[secretSig.key] === secretSig.value) return pulumi.secret(revive(v.value));
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
}

/**
 * `bare <file>`: the registrations another run recorded (BENCH_RECORD), declared as bare resources,
 * flat, with their recorded inputs: the SDK's own cost for those resources, without our components,
 * config or modules. A lower bound: the SDK's resource classes add their output properties as inputs.
 */
/** A resource of any type token with exactly the given inputs (the SDK's CustomResource is abstract in its typings). */
class BareResource extends pulumi.CustomResource {
    constructor(type: string, name: string, inputs: pulumi.Inputs) {
        super(type, name, inputs);
    }
}

function declareBare(file: string): void {
    const registrations = JSON.parse(fs.readFileSync(file, "utf8")) as Registration[];
    for (const r of registrations) {
        if (r.custom) new BareResource(r.type, r.name, revive(r.inputs) as pulumi.Inputs);
        else new pulumi.ComponentResource(r.type, r.name, {});
    }
}

async function main(): Promise<void> {
    const [mode = "empty", scaleText = "1"] = process.argv.slice(2);
    installMocks(mode === "empty" || mode === "bare" ? "bench" : mode);
    let run = () => {};
    if (mode === "bare") {
        // Declared as the program declares (index.ts), so both pay the same for stack traces.
        const declareRecorded = () => declareBare(scaleText);
        run = () => declareWithShallowStacks(declareRecorded);
    } else if (mode !== "empty") {
        // Reading the stack file and making the key pair stay outside the timed part, as the engine does them before the program.
        const { collectNamespace, validateConfig } = await import("../../config/load");
        const doc = parse(fs.readFileSync(path.join(repoRoot, `Pulumi.${mode}.yaml`), "utf8")) as { config?: Record<string, unknown> };
        const strings = Object.fromEntries(
            Object.entries(doc.config ?? {}).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
        );
        const values = collectNamespace(strings);
        const secrets = operatorSecrets(mode);
        if (mode === "production") {
            const keys = operatorKeyPair();
            secrets.identityJwtPrivateKey = keys.privateKey;
            values.identity = { ...(values.identity as object | undefined), jwtPublicKey: keys.publicKey };
        }
        Object.assign(values, secrets);
        if (Number(scaleText) > 1) {
            // Ten copies of every process overrun the default instance's connection budget (config
            // validation refuses that stack): give the copies a database that admits them all.
            const monitoring = (values.monitoring ?? {}) as Record<string, unknown>;
            values.monitoring = { ...monitoring, postgresMaxConnections: awsLimits.rds.maxConnectionsCap };
        }
        const { Platform } = await import("../../components/platform");
        run = () => {
            const config = validateConfig(values, {
                project: "grownext",
                stack: mode,
                isPlaintext: (k) => !(k in secrets),
                catalog: scaledCatalog(Number(scaleText)),
            });
            // As index.ts declares it.
            const declarePlatform = () => new Platform("grownext", { config });
            declareWithShallowStacks(declarePlatform);
        };
    }
    const started = process.hrtime.bigint();
    run();
    // The SDK's own drain of pending registrations (exported by the runtime module, not in its typings).
    const settings = (await import("@pulumi/pulumi/runtime/settings")) as unknown as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (process.env.BENCH_RECORD) fs.writeFileSync(process.env.BENCH_RECORD, JSON.stringify(recorded), { mode: 0o600 });
    process.stdout.write(`${JSON.stringify({ mode, scale: mode === "bare" ? 1 : Number(scaleText), resources: declared, ms })}\n`);
}

main().catch((err) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
});
