/**
 * One shared Pulumi mocks module. `installMocks()` is called in `before`, before any program code
 * runs; every `newResource` call is recorded so tests assert on what components declare.
 */
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, any>;
    readonly provider?: string;
    readonly custom: boolean;
    /** Filled in once the mock monitor answers: the resource's URN and its options as the engine sees them. */
    urn?: string;
    parent?: string;
    /** URNs this resource depends on (dependsOn plus the resources its inputs came from). */
    dependencies?: string[];
    /** By input property, the URNs of the resources its value came from (what the engine hands stack policies). */
    propertyDependencies?: Record<string, string[]>;
    protect?: boolean;
    /** Output names the engine is told to keep secret. */
    additionalSecretOutputs?: string[];
    /** Input properties whose changes the engine is told to ignore. */
    ignoreChanges?: string[];
}

export class ResourceRecorder {
    readonly resources: RecordedResource[] = [];

    reset(): void {
        this.resources.length = 0;
    }

    byUrn(urn: string): RecordedResource | undefined {
        return this.resources.find((r) => r.urn === urn);
    }

    ofType(type: string): RecordedResource[] {
        return this.resources.filter((r) => r.type === type);
    }

    one(type: string, name: string): RecordedResource {
        const found = this.resources.filter((r) => r.type === type && r.name === name);
        if (found.length !== 1) {
            const names =
                this.ofType(type)
                    .map((r) => r.name)
                    .join(", ") || "none";
            throw new Error(`expected one ${type} named ${name}, found ${found.length} (have: ${names})`);
        }
        return found[0]!;
    }

    types(): string[] {
        return [...new Set(this.resources.map((r) => r.type))].sort();
    }
}

export const recorder = new ResourceRecorder();

/**
 * What `command:local:run` answers (the ESO CRD preflight, components/data/aws/externalSecrets.ts): by
 * default a cluster where both CRDs serve v1; a test may swap it and must restore it.
 */
export const localRun = {
    stdout: (_command: string): string =>
        "crd secretstores.external-secrets.io 0 v1 v1beta1\ncrd externalsecrets.external-secrets.io 0 v1 v1beta1\n",
    calls: [] as Array<{ command: string; environment?: Record<string, string> }>,
};

/** Functions the program may call; anything else fails the test. */
const allowedCalls: Record<string, (args: pulumi.runtime.MockCallArgs) => Record<string, any>> = {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: "123456789012",
        arn: "arn:aws:iam::123456789012:user/test",
        userId: "test",
    }),
    "aws:index/getRegion:getRegion": (args) => ({ name: args.inputs.region ?? "eu-west-1", region: args.inputs.region ?? "eu-west-1" }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com" }),
    "command:local:run": (args) => {
        localRun.calls.push({ command: args.inputs.command, environment: args.inputs.environment });
        return { stdout: localRun.stdout(args.inputs.command), stderr: "" };
    },
    // A /24 per subnet, numbered by the id's last byte, so distinct subnets get distinct CIDRs.
    "aws:ec2/getSubnet:getSubnet": (args) => ({
        id: args.inputs.id,
        cidrBlock: `10.0.${parseInt(String(args.inputs.id).slice(-2), 16)}.0/24`,
    }),
};

/** The load balancer hostname the mocks report in the status of the Ingress named `name`. */
export function ingressLoadBalancerHostname(name: string): string {
    return `${name}-0123456789abcdef.elb.eu-west-1.amazonaws.com`;
}

/** Fake state for resources whose outputs the program reads (the tests' mocks and the bench's alike). */
export function fakeState(args: pulumi.runtime.MockResourceArgs): Record<string, any> {
    const state: Record<string, any> = { ...args.inputs };
    if (args.type.startsWith("aws:")) {
        state.arn ??= `arn:aws:${args.type.split(":")[1]!.split("/")[0]}:eu-west-1:123456789012:${args.name}`;
    }
    if (args.type === "aws:rds/proxy:Proxy") {
        state.name ??= `${args.name}-proxy`;
        state.endpoint ??= `${state.name}.proxy-abc.eu-west-1.rds.amazonaws.com`;
    }
    // RDS names a proxy's default target group "default".
    if (args.type === "aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup") state.name ??= "default";
    if (args.type === "aws:rds/instance:Instance") {
        state.address ??= `${args.name}.abc.eu-west-1.rds.amazonaws.com`;
        state.port ??= 5432;
        state.endpoint ??= `${state.address}:5432`;
        // RDS names an instance without an identifier input; alarms and event subscriptions read it.
        state.identifier ??= `${args.name}-abc123`;
        // RDS creates the master user's secret (`rds!db-...`) when it manages the password.
        if (args.inputs.manageMasterUserPassword === true) {
            state.masterUserSecrets ??= [
                {
                    secretArn: `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!${args.name}-AbCdEf`,
                    kmsKeyId: args.inputs.masterUserSecretKmsKeyId,
                    secretStatus: "active",
                },
            ];
        }
    }
    if (args.type === "aws:elasticache/replicationGroup:ReplicationGroup") {
        state.primaryEndpointAddress ??= `master.${args.name}.abc.euw1.cache.amazonaws.com`;
        state.port ??= 6379;
    }
    // Data tier: physical names the provider would generate, and ARNs in their real shapes.
    if (
        [
            "aws:rds/parameterGroup:ParameterGroup",
            "aws:rds/subnetGroup:SubnetGroup",
            "aws:elasticache/parameterGroup:ParameterGroup",
            "aws:elasticache/subnetGroup:SubnetGroup",
            "aws:ec2/securityGroup:SecurityGroup",
            "aws:iam/role:Role",
        ].includes(args.type)
    ) {
        state.name ??= args.name;
    }
    if (args.type === "aws:route53/healthCheck:HealthCheck") {
        state.id ??= `${args.name}-id`;
    }
    if (args.type === "aws:kms/key:Key") {
        state.keyId ??= `${args.name}-id`;
        state.arn = `arn:aws:kms:eu-west-1:123456789012:key/${args.name}-id`;
    }
    if (args.type === "aws:iam/role:Role") {
        state.arn = `arn:aws:iam::123456789012:role/${state.name}`;
    }
    if (args.type === "aws:secretsmanager/secret:Secret") {
        state.arn = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${args.inputs.name ?? args.name}-AbCdEf`;
    }
    if (args.type === "aws:serverlessrepository/cloudFormationStack:CloudFormationStack") {
        // The rotation application's one output: the function Secrets Manager invokes.
        state.outputs ??= { RotationLambdaARN: `arn:aws:lambda:eu-west-1:123456789012:function:${args.inputs.name ?? args.name}` };
    }
    if (args.type === "aws:secretsmanager/secretVersion:SecretVersion") {
        state.versionId ??= `${args.name}-version-1`;
    }
    if (args.type === "pulumi-nodejs:dynamic:Resource" && "length" in args.inputs) {
        // GeneratedSecret: a fake credential of the requested length.
        state.result ??= `pw-${args.name}-${"x".repeat(Math.max(0, args.inputs.length - args.name.length - 4))}`;
    }
    if (args.type === "random:index/randomPassword:RandomPassword") {
        state.result ??= `pw-${args.name}-${"x".repeat(Math.max(0, (args.inputs.length ?? 16) - args.name.length - 3))}`;
    }
    if (args.type === "kubernetes:networking.k8s.io/v1:Ingress") {
        // The controller publishes its load balancer; named per Ingress so tests see which status a record read.
        state.status ??= { loadBalancer: { ingress: [{ hostname: ingressLoadBalancerHostname(args.name) }] } };
    }
    if (args.type.startsWith("kubernetes:") && args.inputs.metadata) {
        state.metadata = { ...args.inputs.metadata, name: args.inputs.metadata.name ?? `${args.name}-abc123` };
    }
    return state;
}

export function installMocks(opts: { project?: string; stack?: string; preview?: boolean } = {}): void {
    // setMocks is async but does all its work before returning: nothing to wait for.
    void pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                recorder.resources.push({
                    type: args.type,
                    name: args.name,
                    inputs: args.inputs,
                    provider: args.provider,
                    custom: args.custom ?? true,
                });
                return { id: `${args.name}-id`, state: fakeState(args) };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                const fn = allowedCalls[args.token];
                if (!fn) throw new Error(`unexpected function call in a test: ${args.token}`);
                return fn(args);
            },
        },
        opts.project ?? "grownext",
        opts.stack ?? "test",
        opts.preview ?? false,
    );
    recordResourceOptions();
}

/**
 * The mocks' `newResource` sees no resource options, but the engine-facing request does: wrap the
 * mock monitor's registerResource to add each resource's URN, parent, dependencies and `protect`
 * to its record, so tests can assert release ordering and protection as the engine would see them.
 */
function recordResourceOptions(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an SDK module outside its typed entry points
    const { MockMonitor } = require("@pulumi/pulumi/runtime/mocks") as { MockMonitor: { prototype: any } };
    if (MockMonitor.prototype.__recordsOptions) return;
    const original = MockMonitor.prototype.registerResource;
    MockMonitor.prototype.registerResource = function (req: any, callback: (err: any, res: any) => void) {
        return original.call(this, req, (err: any, res: any) => {
            if (!err && res) {
                const rec = [...recorder.resources]
                    .reverse()
                    .find((r) => r.urn === undefined && r.type === req.getType() && r.name === req.getName());
                if (rec) {
                    rec.urn = res.getUrn();
                    rec.parent = req.getParent() || undefined;
                    rec.dependencies = req.getDependenciesList();
                    const byProperty: Record<string, string[]> = {};
                    req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
                        byProperty[key] = deps.getUrnsList();
                    });
                    rec.propertyDependencies = byProperty;
                    rec.protect = req.getProtect() ?? false;
                    rec.additionalSecretOutputs = req.getAdditionalsecretoutputsList();
                    rec.ignoreChanges = req.getIgnorechangesList();
                }
            }
            callback(err, res);
        });
    };
    MockMonitor.prototype.__recordsOptions = true;
}

/** Resolves an Output (or plain value) to its value, for assertions. */
export function promiseOf<T>(value: pulumi.Input<T>): Promise<T> {
    return new Promise((resolve) =>
        pulumi.output(value).apply((v) => {
            resolve(v as T);
            return v;
        }),
    );
}

/** Whether an Output is marked secret. */
export function isSecret(value: pulumi.Input<unknown>): Promise<boolean> {
    return pulumi.isSecret(pulumi.output(value));
}

/**
 * Waits until every pending registration has reached the mocks. `waitForRPCs` is the SDK's own
 * drain (used by `disconnect`); it is exported by the runtime module but not in its typings.
 */
export async function settle(): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an SDK module outside its typed entry points
    const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
    await settings.waitForRPCs();
}

/** The signature key Pulumi's serializer uses for secret values in recorded inputs. */
const secretSig = "4dabf18193072939515e22adb298388d";

/** Whether a recorded input value arrived as a secret. */
export function isSecretInput(value: unknown): boolean {
    return (
        typeof value === "object" && value !== null && (value as Record<string, unknown>)[secretSig] === "1b47061264138c4ac30d75fd1eb44270"
    );
}

/** A recorded input with secret wrappers removed (recursively), for assertions on content. */
export function unwrap<T = any>(value: unknown): T {
    if (isSecretInput(value)) return unwrap((value as { value: unknown }).value);
    if (Array.isArray(value)) return value.map(unwrap) as T;
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)])) as T;
    }
    return value as T;
}
