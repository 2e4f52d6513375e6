/**
 * Secrets Manager is the truth on AWS stacks; the cluster holds a copy kept in sync by the External
 * Secrets Operator (ESO). For every process (and every migrations and roles Job) this declares:
 *  - one ESO `SecretStore`, authenticated as that owner's own ServiceAccount (`auth.jwt`), whose
 *    IRSA role (components/data/aws/secretStore.ts) may read that owner's secret (the Jobs have none)
 *    and the credentials secrets it reads, and nothing else, so a store can sync only what its owner may;
 *  - one `ExternalSecret` whose target template yields exactly the secret keys the env matrix gives
 *    the process (catalog/envMatrix.ts), building each connection URL from its parts (user,
 *    password, host, path), so a password rotated in Secrets Manager rebuilds the URL. A database
 *    URL reads only its user and password (from a credentials secret); its scheme, host and path are
 *    literals of the template, so no owner's secret holds them.
 * Pulumi never writes the Kubernetes Secrets on AWS stacks, so their values never enter its state.
 * The local stack has no Secrets Manager and keeps writing its Secrets directly (serviceProcess.ts).
 *
 * How a changed value reaches the pods (docs/secret-rotation.md): ESO re-reads Secrets Manager every
 * `rotation.refreshInterval`, and at once when the secret's version changes through `pulumi up`
 * (the `force-sync` annotation carries the version id); it updates the Secret in place, and the
 * Reloader annotation on each Deployment rolls its pods, which read their env only at start.
 *
 * The custom resources are declared through typed wrappers: a spec that does not match the
 * interfaces below does not compile, which `k8s.apiextensions.CustomResource` alone would allow.
 */
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { envMatrix } from "../../../catalog/envMatrix";
import type { ProcessSpec } from "../../../catalog/processes";
import { isDnsLabel } from "../../../wiring/dataContract";

/** The ESO API group and the version this program writes: v1, served since ESO 0.17 (v1beta1 is deprecated). */
export const esoGroup = "external-secrets.io";
export const esoVersion = "v1";
export const esoApiVersion = `${esoGroup}/${esoVersion}`;
/** The CRDs the program's objects need; the preflight names them when they are missing. */
export const esoCrds: readonly string[] = [`secretstores.${esoGroup}`, `externalsecrets.${esoGroup}`];

/** Rolls a Deployment when the named Secrets change (Stakater Reloader, a cluster prerequisite like ESO). */
export const reloaderAnnotation = "secret.reloader.stakater.com/reload";
/** Changing this annotation makes ESO sync at once instead of at the next refresh (ESO's documented force-sync). */
export const forceSyncAnnotation = "force-sync";
/** The Kubernetes provider awaits this condition before dependents (Deployments, Jobs) are touched. */
export const waitForAnnotation = "pulumi.com/waitFor";

// ---- Typed custom resources -------------------------------------------------------------------

/** `SecretStore.spec` as this program writes it: AWS Secrets Manager, authenticated as one ServiceAccount. */
export interface SecretStoreSpec {
    readonly provider: {
        readonly aws: {
            readonly service: "SecretsManager";
            readonly region: string;
            readonly auth: { readonly jwt: { readonly serviceAccountRef: { readonly name: string } } };
        };
    };
}

/** One value read from the remote secret: a JSON property of it, under a key of the template's data. */
export interface ExternalSecretData {
    readonly secretKey: string;
    readonly remoteRef: { readonly key: string; readonly property: string };
}

/** `ExternalSecret.spec` as this program writes it. */
export interface ExternalSecretSpec {
    readonly refreshInterval: string;
    readonly secretStoreRef: { readonly name: string; readonly kind: "SecretStore" };
    readonly target: {
        readonly name: string;
        /** ESO owns the Secret; `Retain` keeps the last copy if the remote secret becomes unreadable. */
        readonly creationPolicy: "Owner";
        readonly deletionPolicy: "Retain";
        readonly template: {
            readonly engineVersion: "v2";
            readonly type: "Opaque";
            /** Replace: the Secret holds exactly the template's keys, never a raw remote property. */
            readonly mergePolicy: "Replace";
            readonly metadata: { readonly labels: Record<string, string> };
            readonly data: Record<string, string>;
        };
    };
    readonly data: readonly ExternalSecretData[];
}

interface TypedArgs<Spec> {
    readonly metadata: pulumi.Input<k8s.types.input.meta.v1.ObjectMeta>;
    readonly spec: pulumi.Input<Spec>;
}

/** An ESO `SecretStore` (external-secrets.io/v1). */
export class EsoSecretStore extends k8s.apiextensions.CustomResource {
    constructor(name: string, args: TypedArgs<SecretStoreSpec>, opts?: pulumi.CustomResourceOptions) {
        super(name, { apiVersion: esoApiVersion, kind: "SecretStore", metadata: args.metadata, spec: args.spec }, opts);
    }
}

/** An ESO `ExternalSecret` (external-secrets.io/v1). */
export class ExternalSecret extends k8s.apiextensions.CustomResource {
    constructor(name: string, args: TypedArgs<ExternalSecretSpec>, opts?: pulumi.CustomResourceOptions) {
        super(name, { apiVersion: esoApiVersion, kind: "ExternalSecret", metadata: args.metadata, spec: args.spec }, opts);
    }
}

// ---- Which keys, and how URLs are built from their parts ----------------------------------------

/** The parts a connection URL is stored as in Secrets Manager, each under `<KEY>__<part>`. */
export const urlParts = ["scheme", "username", "password", "host", "path"] as const;
export type UrlPart = (typeof urlParts)[number];

/** The remote property holding one part of a URL-valued key. */
export function urlPartProperty(key: string, part: UrlPart): string {
    return `${key}__${part}`;
}

/**
 * The env names of a process whose values are connection URLs: the matrix's `data` rows whose ref
 * ends in `Url` (DATABASE_URL, TASKS_DATABASE_URL, TASKS_DATABASE_DIRECT_URL, REDIS_URL, ...).
 */
export function connectionUrlKeys(process: Pick<ProcessSpec, "envGroups">): string[] {
    return [
        ...new Set(
            envMatrix
                .filter((r) => process.envGroups.includes(r.group) && r.secret && r.source.kind === "data" && /Url$/.test(r.source.ref))
                .map((r) => r.name),
        ),
    ].sort();
}

/** A connection URL split into the parts the template joins again (user and password decoded). */
export function splitUrl(url: string): Record<UrlPart, string> {
    let u: URL;
    try {
        u = new URL(url);
    } catch {
        throw new pulumi.RunError(
            "a connection URL of the data tier could not be parsed (its value is not printed); expected scheme://user:password@host:port/path",
        );
    }
    return {
        scheme: u.protocol.replace(/:$/, ""),
        username: decodeURIComponent(u.username),
        password: decodeURIComponent(u.password),
        host: u.host,
        path: `${u.pathname}${u.search}`,
    };
}

/** The parts of a URL that are no credential: what the template of a URL with credentials held elsewhere writes as literals. */
export type LiteralUrlParts = Readonly<Pick<Record<UrlPart, string>, "scheme" | "host" | "path">>;

/** A URL's scheme, host and path, secret like the URL they come from (they end up in the ExternalSecret's spec). */
export function literalUrlParts(url: pulumi.Input<string>): pulumi.Output<LiteralUrlParts> {
    return pulumi.secret(
        pulumi.output(url).apply((u) => {
            const { scheme, host, path } = splitUrl(u);
            return { scheme, host, path };
        }),
    );
}

/**
 * The ESO (Go template, engine v2) expression that joins a URL's parts again. With `literal`, the
 * scheme, host and path are written into the template as they are, and only the user and password
 * are read (from a credentials secret): the owner's own secret then holds nothing of the URL.
 */
export function urlTemplate(key: string, literal?: LiteralUrlParts): string {
    const v = (part: UrlPart) => `.${urlPartProperty(key, part)}`;
    const credentials = `{{ ${v("username")} | urlquery }}:{{ ${v("password")} | urlquery }}`;
    if (literal === undefined) return `{{ ${v("scheme")} }}://${credentials}@{{ ${v("host")} }}{{ ${v("path")} }}`;
    // Go's template parser would read a `{{` inside a part as an action; no URL of the data tier has one.
    if (Object.values(literal).some((text) => text.includes("{{") || text.includes("}}")))
        throw new pulumi.RunError(`${key}: a connection URL part holds "{{" or "}}", which an ESO template cannot hold as literal text`);
    return `${literal.scheme}://${credentials}@${literal.host}${literal.path}`;
}

/** The URL parts a credentials secret (wiring/dataContract.ts `CredentialsSecret`) supplies, and its property for each. */
export const credentialParts = { username: "username", password: "password" } as const satisfies Partial<Record<UrlPart, string>>;
const isCredentialPart = (part: UrlPart): part is keyof typeof credentialParts => part in credentialParts;

/**
 * What a process's Secrets Manager secret holds: every secret value under its env name, except
 * connection URLs, which are held as their parts (a rotation rewrites the password part only). A URL
 * whose credentials come from a credentials secret (`credentialKeys`) is not held at all: the program
 * does not know its user and password (a copy would go stale at the first rotation), and its scheme,
 * host and path are literals of the ExternalSecret's template (`urlTemplate`).
 */
export function remoteSecretValues(
    secret: Readonly<Record<string, pulumi.Input<string>>>,
    urlKeys: readonly string[],
    credentialKeys: readonly string[] = [],
): Record<string, pulumi.Input<string>> {
    const out: Record<string, pulumi.Input<string>> = {};
    for (const [key, value] of Object.entries(secret)) {
        if (!urlKeys.includes(key)) {
            out[key] = value;
            continue;
        }
        if (credentialKeys.includes(key)) continue;
        const parts = pulumi.output(value).apply(splitUrl);
        for (const part of urlParts) out[urlPartProperty(key, part)] = pulumi.secret(parts.apply((p) => p[part]));
    }
    return out;
}

/** A URL key whose user and password are read from a credentials secret (wiring/dataContract.ts `CredentialsSecret`). */
export interface UrlCredentials {
    /** Name or ARN of the credentials secret. */
    readonly secret: string;
    /** The URL's scheme, host and path (`literalUrlParts`): literals of the template. */
    readonly parts: LiteralUrlParts;
}

/** A key read whole from a property of a secret that is not the owner's. */
export interface ReferencedValue {
    /** Name or ARN of that secret. */
    readonly secret: string;
    /** Its JSON property. */
    readonly property: string;
}

/**
 * The remote properties an ExternalSecret reads, and the template that turns them into env keys.
 * `credentials` names, per URL key, the secret its user and password are read from and the literal
 * rest of the URL; `references`, per key, the other secret and property it is read from whole. Every
 * other key is read from the owner's own secret, `secretName`; an owner with none has no such keys.
 */
export function externalSecretMapping(
    secretName: string | undefined,
    keys: readonly string[],
    urlKeys: readonly string[],
    credentials: Readonly<Record<string, UrlCredentials>> = {},
    references: Readonly<Record<string, ReferencedValue>> = {},
): {
    data: ExternalSecretData[];
    template: Record<string, string>;
} {
    const data: ExternalSecretData[] = [];
    const template: Record<string, string> = {};
    const own = (property: string) => {
        if (secretName === undefined)
            throw new pulumi.RunError(`${property} would be read from the owner's own secret, and the owner has none`);
        return { key: secretName, property };
    };
    for (const key of [...keys].sort()) {
        const from = credentials[key];
        const referenced = references[key];
        if (referenced !== undefined) {
            data.push({ secretKey: key, remoteRef: { key: referenced.secret, property: referenced.property } });
            template[key] = `{{ .${key} }}`;
        } else if (urlKeys.includes(key) && from !== undefined) {
            for (const part of urlParts.filter(isCredentialPart)) {
                data.push({ secretKey: urlPartProperty(key, part), remoteRef: { key: from.secret, property: credentialParts[part] } });
            }
            template[key] = urlTemplate(key, from.parts);
        } else if (urlKeys.includes(key)) {
            for (const part of urlParts) data.push({ secretKey: urlPartProperty(key, part), remoteRef: own(urlPartProperty(key, part)) });
            template[key] = urlTemplate(key);
        } else {
            data.push({ secretKey: key, remoteRef: own(key) });
            template[key] = `{{ .${key} }}`;
        }
    }
    return { data, template };
}

// ---- The CRD preflight --------------------------------------------------------------------------

/**
 * Asks the cluster, through kubectl, which versions each ESO CRD serves. It prints one line per
 * CRD (`crd <name> <exit code> <served versions>`) and always exits 0, so that the program, not
 * the shell, decides and words the error (esoPreflightProblems); `no-kubectl` when kubectl is absent.
 */
export function esoPreflightScript(crds: readonly string[] = esoCrds): string {
    return [
        "if ! command -v kubectl >/dev/null 2>&1; then echo no-kubectl; exit 0; fi",
        "set --",
        'if [ -n "${GROWNEXT_KUBECONFIG:-}" ]; then',
        '  kc="$GROWNEXT_KUBECONFIG"',
        // Inline kubeconfig contents go to a private temp file, removed on exit.
        '  if [ ! -f "$kc" ]; then f=$(mktemp); trap \'rm -f "$f"\' EXIT; printf \'%s\' "$kc" > "$f"; kc="$f"; fi',
        '  set -- --kubeconfig "$kc"',
        "fi",
        'if [ -n "${GROWNEXT_CONTEXT:-}" ]; then set -- "$@" --context "$GROWNEXT_CONTEXT"; fi',
        `for crd in ${crds.join(" ")}; do`,
        '  out=$(kubectl "$@" get crd "$crd" --ignore-not-found -o \'jsonpath={.spec.versions[?(@.served==true)].name}\' 2>&1); rc=$?',
        '  echo "crd $crd $rc $(printf \'%s\' "$out" | head -n 1)"',
        "done",
    ].join("\n");
}

const installFix =
    "install the External Secrets Operator (0.17 or later: helm install external-secrets external-secrets/external-secrets " +
    "-n external-secrets --create-namespace) and Stakater Reloader in the cluster, then run pulumi up again (docs/secret-rotation.md)";

/** Problems the preflight's output shows, each naming the CRD and the fix; empty when ESO is ready. */
export function esoPreflightProblems(stdout: string, crds: readonly string[] = esoCrds): string[] {
    if (/^no-kubectl$/m.test(stdout)) {
        return [
            `the External Secrets Operator preflight reads the CRDs ${crds.join(", ")} with kubectl, which is not on PATH: install kubectl where pulumi runs`,
        ];
    }
    const problems: string[] = [];
    for (const crd of crds) {
        const line = stdout.split("\n").find((l) => l.startsWith(`crd ${crd} `));
        if (line === undefined) {
            problems.push(`CRD ${crd}: the preflight printed nothing for it; ${installFix}`);
            continue;
        }
        const [, , rc, ...rest] = line.trim().split(/\s+/);
        if (rc !== "0") {
            problems.push(
                `CRD ${crd} could not be read from the cluster (kubectl exited ${rc}: ${rest.join(" ").slice(0, 200)}); check kubernetes.context/kubernetes.kubeconfig`,
            );
        } else if (rest.length === 0) {
            problems.push(`CRD ${crd} is not installed in the cluster: ${installFix}`);
        } else if (!rest.includes(esoVersion)) {
            problems.push(
                `CRD ${crd} does not serve ${esoApiVersion} (serves ${rest.join(", ")}): upgrade the External Secrets Operator to 0.17 or later`,
            );
        }
    }
    return problems;
}

/**
 * Runs the preflight (a `command:local:run` invoke, so it runs during preview as well as update)
 * and resolves to the served version, or fails with every problem in one message. Dependent
 * objects take their apiVersion from it, so none of them is sent to a cluster without ESO.
 */
export function esoPreflight(
    kubernetes: { context?: string; kubeconfig?: string },
    opts?: pulumi.InvokeOutputOptions,
): pulumi.Output<string> {
    const environment: Record<string, pulumi.Input<string>> = {};
    if (kubernetes.context !== undefined) environment.GROWNEXT_CONTEXT = kubernetes.context;
    if (kubernetes.kubeconfig !== undefined) environment.GROWNEXT_KUBECONFIG = pulumi.secret(kubernetes.kubeconfig);
    return command.local.runOutput({ command: esoPreflightScript(), environment, interpreter: ["/bin/sh", "-c"] }, opts).apply((r) => {
        const problems = esoPreflightProblems(r.stdout);
        if (problems.length > 0) throw new pulumi.RunError(`External Secrets Operator preflight failed:\n  - ${problems.join("\n  - ")}`);
        return esoApiVersion;
    });
}

// ---- The component ------------------------------------------------------------------------------

/** An object whose fields may each be an Output. */
type Inputs<T> = { readonly [K in keyof T]: pulumi.Input<T[K]> };

export interface SyncedSecret {
    /** Catalog process (or `migrate-<database>`, `roles-<database>`): names its SecretStore, and the ServiceAccount it authenticates as. */
    readonly owner: string;
    /** Name of the owner's Secrets Manager secret (`grownext/<stack>/<owner>`); absent when it has none (every key read elsewhere). */
    readonly remoteName?: pulumi.Input<string>;
    /** The env keys the owner's Secret must hold: exactly the matrix's secret keys for it. */
    readonly keys: readonly string[];
    /** Which of them are connection URLs, built from their parts. */
    readonly urlKeys: readonly string[];
    /** ESO refresh of this Secret, when it differs from the component's (`rotation.credentialsRefreshInterval`). */
    readonly refreshInterval?: string;
    /** URL keys whose user and password are read from a credentials secret, the rest of the URL written as literals. */
    readonly credentials?: Readonly<Record<string, Inputs<UrlCredentials>>>;
    /** Keys read whole from a property of another secret (name or ARN), not the owner's. */
    readonly references?: Readonly<Record<string, Inputs<ReferencedValue>>>;
    /** The Kubernetes Secret ESO writes. */
    readonly targetName: string;
    /** The remote secret's current version id: a change syncs at once (force-sync). */
    readonly version?: pulumi.Input<string>;
    /** Labels of the Secret ESO writes. */
    readonly labels: Record<string, string>;
    /** Set when the ServiceAccount does not exist yet (migration Jobs): its IRSA annotations. */
    readonly createServiceAccount?: Record<string, pulumi.Input<string>>;
}

export interface ExternalSecretsArgs {
    /** Namespace of the processes, their ServiceAccounts and Secrets. */
    readonly namespace: pulumi.Input<string>;
    /** Region of the Secrets Manager secrets (`data.aws.region`). */
    readonly region: string;
    /** `rotation.refreshInterval`. */
    readonly refreshInterval: string;
    /** The ESO API version the preflight confirmed (esoPreflight); objects wait for it. */
    readonly apiVersion: pulumi.Input<string>;
    /** One entry per Secret to sync. */
    readonly secrets: readonly SyncedSecret[];
}

export class ExternalSecrets extends pulumi.ComponentResource {
    private readonly synced = new Map<string, ExternalSecret>();

    constructor(name: string, args: ExternalSecretsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:platform:ExternalSecrets", name, {}, opts);
        const seen = new Set<string>();
        for (const s of args.secrets) {
            if (!isDnsLabel(s.owner))
                throw new pulumi.RunError(
                    `ExternalSecrets ${name}: ${JSON.stringify(s.owner)} must be a DNS-1123 label (it names a ServiceAccount)`,
                );
            if (seen.has(s.owner))
                throw new pulumi.RunError(`ExternalSecrets ${name}: ${s.owner} is listed twice; give each process one entry`);
            seen.add(s.owner);
            const stray = s.urlKeys.filter((k) => !s.keys.includes(k));
            if (stray.length > 0)
                throw new pulumi.RunError(`ExternalSecrets ${name}: ${s.owner}'s URL keys ${stray.join(", ")} are not among its keys`);
            const notUrls = Object.keys(s.credentials ?? {}).filter((k) => !s.urlKeys.includes(k));
            if (notUrls.length > 0)
                throw new pulumi.RunError(
                    `ExternalSecrets ${name}: ${s.owner}'s credentials name ${notUrls.join(", ")}, which are not among its URL keys`,
                );
            const notKeys = Object.keys(s.references ?? {}).filter((k) => !s.keys.includes(k) || s.urlKeys.includes(k));
            if (notKeys.length > 0)
                throw new pulumi.RunError(
                    `ExternalSecrets ${name}: ${s.owner}'s references name ${notKeys.join(", ")}, which are not among its keys or are URL keys`,
                );
            const own = s.keys.filter((k) => !(k in (s.references ?? {})) && !(k in (s.credentials ?? {})));
            if (s.remoteName === undefined && own.length > 0)
                throw new pulumi.RunError(
                    `ExternalSecrets ${name}: ${s.owner} has no secret of its own (remoteName), yet ${own.join(", ")} would be read from it`,
                );
        }
        // The preflight's result gates every object: with ESO missing, none reaches the cluster.
        const gated = <T>(value: T) => pulumi.output(args.apiVersion).apply(() => value);

        for (const s of args.secrets) {
            const labels = { ...s.labels };
            let accountName: pulumi.Input<string> = s.owner;
            if (s.createServiceAccount) {
                const sa = new k8s.core.v1.ServiceAccount(
                    `${name}-${s.owner}-sa`,
                    {
                        metadata: { name: s.owner, namespace: args.namespace, labels, annotations: s.createServiceAccount },
                        // Only ESO uses it, to request a token; no pod mounts it.
                        automountServiceAccountToken: false,
                    },
                    { parent: this },
                );
                accountName = sa.metadata.name;
            }
            const store = new EsoSecretStore(
                `${name}-${s.owner}-store`,
                {
                    metadata: gated({ name: s.owner, namespace: args.namespace, labels }),
                    spec: pulumi.output(accountName).apply((account): SecretStoreSpec => ({
                        provider: {
                            aws: {
                                service: "SecretsManager",
                                region: args.region,
                                auth: { jwt: { serviceAccountRef: { name: account } } },
                            },
                        },
                    })),
                },
                { parent: this },
            );

            const external = new ExternalSecret(
                `${name}-${s.owner}`,
                {
                    metadata: pulumi.all([gated(null), s.version ?? ""]).apply(([, version]) => ({
                        name: s.owner,
                        namespace: args.namespace,
                        labels,
                        annotations: {
                            [waitForAnnotation]: "condition=Ready",
                            ...(version ? { [forceSyncAnnotation]: version } : {}),
                        },
                    })),
                    // Literal URL parts are secret: Pulumi then keeps the whole spec as a secret in state.
                    spec: pulumi
                        .all([store.metadata.name, s.remoteName, pulumi.output(s.credentials ?? {}), pulumi.output(s.references ?? {})])
                        .apply(([storeName, remoteName, credentials, references]) => {
                            const mapping = externalSecretMapping(remoteName, s.keys, s.urlKeys, credentials, references);
                            return {
                                refreshInterval: s.refreshInterval ?? args.refreshInterval,
                                secretStoreRef: { name: storeName, kind: "SecretStore" },
                                target: {
                                    name: s.targetName,
                                    creationPolicy: "Owner",
                                    deletionPolicy: "Retain",
                                    template: {
                                        engineVersion: "v2",
                                        type: "Opaque",
                                        mergePolicy: "Replace",
                                        metadata: { labels },
                                        data: mapping.template,
                                    },
                                },
                                data: mapping.data,
                            } satisfies ExternalSecretSpec;
                        }),
                },
                { parent: this, dependsOn: [store] },
            );
            this.synced.set(s.owner, external);
        }
        this.registerOutputs({});
    }

    /** The ExternalSecret of an owner, for `dependsOn` of whatever reads its Secret. */
    externalSecret(owner: string): ExternalSecret | undefined {
        return this.synced.get(owner);
    }
}
