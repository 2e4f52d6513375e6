/**
 * Secrets Manager is the truth on AWS stacks; the cluster holds a copy kept in sync by the External
 * Secrets Operator (ESO). For every process (and every migrations and roles Job) this declares:
 *  - one ESO `SecretStore`, authenticated as that owner's own ServiceAccount (`auth.jwt`), whose
 *    IRSA role (components/data/aws/secretStore.ts) may read that owner's secret (the Jobs have none)
 *    and the credentials secrets it reads, and nothing else, so a store can sync only what its owner may;
 *  - one `ExternalSecret` whose target template yields exactly the secret keys the env matrix gives
 *    the process (catalog/envMatrix.ts), building each connection URL from its parts (user,
 *    password, host, path), so a password rotated in Secrets Manager rebuilds the URL. A URL whose
 *    credentials are borrowed from another secret (a database role's, a Redis auth token's) reads
 *    only those; its scheme, host and path are literals of the template, so no owner's secret holds them.
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
import { isDnsLabel, type BorrowedValue } from "../../../wiring/dataContract";

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

/**
 * The parts of a URL that borrows its user and/or password from another secret and that are written
 * into its template as text (scheme, host, path, and a user it does not borrow, such as Redis's empty
 * one): its owner's own secret then holds nothing of the URL.
 */
export type LiteralUrlParts = Readonly<Partial<Record<UrlPart, string>>>;

/**
 * The parts a URL does not borrow, from its value, secret like the URL (they end up in the
 * ExternalSecret's spec, which Pulumi then keeps as a secret in state). The password is never among
 * them: a URL that borrows parts must borrow its password (`borrowedProperties` refuses it otherwise).
 */
export function literalUrlParts(key: string, url: pulumi.Input<string>, borrowed: BorrowedValue): pulumi.Output<LiteralUrlParts> {
    const read = Object.keys(borrowedProperties(key, true, borrowed));
    return pulumi.secret(
        pulumi.output(url).apply((u) => {
            const all = splitUrl(u);
            return Object.fromEntries(
                urlParts.filter((part) => !read.includes(urlPartProperty(key, part))).map((part) => [part, all[part]]),
            );
        }),
    );
}

/**
 * The ESO (Go template, engine v2) expression that joins a URL's parts again. A part in `literal` is
 * written as it is (a user URL-encoded); the others are read from the ExternalSecret's data.
 */
export function urlTemplate(key: string, literal: LiteralUrlParts = {}): string {
    // Go's template parser would read a `{{` inside a part as an action; no URL of the data tier has one.
    if (Object.values(literal).some((text) => text !== undefined && (text.includes("{{") || text.includes("}}"))))
        throw new pulumi.RunError(`${key}: a connection URL part holds "{{" or "}}", which an ESO template cannot hold as literal text`);
    const part = (p: UrlPart, encode: boolean): string => {
        const text = literal[p];
        if (text !== undefined) return encode ? encodeURIComponent(text) : text;
        return encode ? `{{ .${urlPartProperty(key, p)} | urlquery }}` : `{{ .${urlPartProperty(key, p)} }}`;
    };
    return `${part("scheme", false)}://${part("username", true)}:${part("password", true)}@${part("host", false)}${part("path", false)}`;
}

/**
 * The properties of the owner's secret that a borrowed value (wiring/dataContract.ts `BorrowedValue`)
 * replaces, each with where it is read from instead: the key itself for a whole value, its
 * `<KEY>__username`/`__password` parts for a URL. A whole value on a URL key, URL parts on a plain
 * key, or a URL that borrows no password, is refused: the template would read a property nothing
 * provides, or write a password as text.
 */
export function borrowedProperties<P extends { readonly property: string }>(
    key: string,
    isUrl: boolean,
    borrowed: { readonly value: P } | { readonly url: { readonly username?: P; readonly password?: P } },
): Record<string, P> {
    if ("value" in borrowed) {
        if (isUrl)
            throw new pulumi.RunError(
                `${key} is a connection URL: borrow its user and password ({ url: ... }), not its whole value, so the URL is still built from its parts`,
            );
        return { [key]: borrowed.value };
    }
    if (!isUrl) throw new pulumi.RunError(`${key} is not a connection URL: borrow its whole value ({ value: ... }), not URL parts`);
    if (borrowed.url.password === undefined)
        throw new pulumi.RunError(`${key} borrows URL parts but not its password: a URL's password is never written into a template`);
    const out: Record<string, P> = {};
    for (const part of ["username", "password"] as const) {
        const from = borrowed.url[part];
        if (from !== undefined) out[urlPartProperty(key, part)] = from;
    }
    return out;
}

/**
 * What a process's Secrets Manager secret holds: every secret value under its env name, except
 * connection URLs, which are held as their parts (a rotation would rewrite the password part only),
 * and except what it borrows from other secrets (`borrowed`): the program does not own those values,
 * and a copy would go stale at the first rotation; and except the keys written into the template as
 * text (`literalKeys`). A URL that borrows its credentials is not held at
 * all: its other parts are literals of the ExternalSecret's template (`urlTemplate`).
 */
export function remoteSecretValues(
    secret: Readonly<Record<string, pulumi.Input<string>>>,
    urlKeys: readonly string[],
    borrowed: Readonly<Record<string, BorrowedValue>> = {},
    literalKeys: readonly string[] = [],
): Record<string, pulumi.Input<string>> {
    const out: Record<string, pulumi.Input<string>> = {};
    for (const [key, value] of Object.entries(secret)) {
        if (key in borrowed || literalKeys.includes(key)) continue;
        if (!urlKeys.includes(key)) {
            out[key] = value;
            continue;
        }
        const parts = pulumi.output(value).apply(splitUrl);
        for (const part of urlParts) out[urlPartProperty(key, part)] = pulumi.secret(parts.apply((p) => p[part]));
    }
    return out;
}

/**
 * The remote properties an ExternalSecret reads, and the template that turns them into env keys.
 * `borrowed` (its secrets' names resolved) says, per env key, which of them come from another secret;
 * `literals`, per URL key that borrows, the parts written into the template as text; `literalValues`,
 * keys written into it whole (connection details that carry no credential). Every other property is
 * read from the owner's own secret, `secretName`; an owner without one has none.
 */
export function externalSecretMapping(
    secretName: string | undefined,
    keys: readonly string[],
    urlKeys: readonly string[],
    borrowed: Readonly<Record<string, pulumi.Unwrap<BorrowedValue>>> = {},
    literals: Readonly<Record<string, LiteralUrlParts>> = {},
    literalValues: Readonly<Record<string, string>> = {},
): {
    data: ExternalSecretData[];
    template: Record<string, string>;
} {
    const data: ExternalSecretData[] = [];
    const template: Record<string, string> = {};
    const own = (property: string): ExternalSecretData => {
        if (secretName === undefined)
            throw new pulumi.RunError(`${property} would be read from the owner's own secret, and the owner has none`);
        return { secretKey: property, remoteRef: { key: secretName, property } };
    };
    for (const key of [...keys].sort()) {
        const text = literalValues[key];
        if (text !== undefined) {
            if (key in borrowed || urlKeys.includes(key))
                throw new pulumi.RunError(`${key} is written as text, so it can neither be borrowed nor be a connection URL`);
            if (text.includes("{{") || text.includes("}}"))
                throw new pulumi.RunError(`${key}: its value holds "{{" or "}}", which an ESO template cannot hold as literal text`);
            template[key] = text;
            continue;
        }
        const b = borrowed[key];
        const isUrl = urlKeys.includes(key);
        const elsewhere = b === undefined ? {} : borrowedProperties(key, isUrl, b);
        for (const [property, from] of Object.entries(elsewhere)) {
            data.push({ secretKey: property, remoteRef: { key: from.secret.name, property: from.property } });
        }
        if (!isUrl) {
            if (b === undefined) data.push(own(key));
            template[key] = `{{ .${key} }}`;
        } else if (b === undefined) {
            for (const part of urlParts) data.push(own(urlPartProperty(key, part)));
            template[key] = urlTemplate(key);
        } else {
            const literal = literals[key];
            const missing = urlParts.filter((part) => !(urlPartProperty(key, part) in elsewhere) && literal?.[part] === undefined);
            if (missing.length > 0)
                throw new pulumi.RunError(
                    `${key} borrows its credentials, and its ${missing.join(", ")} must be given as literals (literalUrlParts)`,
                );
            template[key] = urlTemplate(key, literal);
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
    /** Keys (whole values, or URLs' user and password) read from other secrets, not the owner's. */
    readonly borrowed?: Readonly<Record<string, BorrowedValue>>;
    /** Per URL key that borrows, the parts its template writes as text (`literalUrlParts`). */
    readonly literals?: Readonly<Record<string, pulumi.Input<LiteralUrlParts>>>;
    /** Keys written into the template whole, as text: connection details with no credential (wiring/dataContract.ts `connectionDetailRefs`). */
    readonly literalValues?: Readonly<Record<string, pulumi.Input<string>>>;
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
            const strayBorrowed = Object.keys(s.borrowed ?? {}).filter((k) => !s.keys.includes(k));
            if (strayBorrowed.length > 0)
                throw new pulumi.RunError(
                    `ExternalSecrets ${name}: ${s.owner} borrows ${strayBorrowed.join(", ")}, which are not among its keys`,
                );
            for (const [key, b] of Object.entries(s.borrowed ?? {})) {
                try {
                    borrowedProperties(key, s.urlKeys.includes(key), b);
                } catch (e) {
                    throw new pulumi.RunError(`ExternalSecrets ${name}: ${s.owner}: ${(e as Error).message}`);
                }
            }
            const own = s.keys.filter((k) => !(k in (s.borrowed ?? {})) && !(k in (s.literalValues ?? {})));
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
                        .all([
                            store.metadata.name,
                            s.remoteName,
                            pulumi.output(s.borrowed ?? {}),
                            pulumi.output(s.literals ?? {}),
                            pulumi.output(s.literalValues ?? {}),
                        ])
                        .apply(([storeName, remoteName, borrowed, literals, literalValues]) => {
                            const mapping = externalSecretMapping(remoteName, s.keys, s.urlKeys, borrowed, literals, literalValues);
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
