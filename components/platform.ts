/**
 * The whole topology of one stack: providers, the namespace, the data tier, the secret store, every
 * catalog process, the public edge and the post-deploy smoke probes.
 */
import * as crypto from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { envMatrix, oauthClientSecretPattern } from "../catalog/envMatrix";
import { issuedKind, labelKeys, partOf } from "../catalog/labels";
import { topologySpreadByEnvironment } from "../config/defaults";
import type { PlatformConfig } from "../config/load";
import {
    borrowedCredentials,
    borrowedSecretArns,
    connectionDetailRefs,
    pooledEnv,
    postgresNames,
    type BorrowedValue,
    type DatabaseName,
    type DataTierOutputs,
} from "../wiring/dataContract";
import { DataTier, migrationPlan } from "./data/dataTier";
import { dnsAnnotations, publicDnsRecords } from "./edge/dnsRecords";
import { Edge } from "./edge/edge";
import { databaseOfEnvKeys, dataRefOfEnvKeys, envValues, processEnv, type ProcessEnv } from "../wiring/processEnv";
import type { ProcessSpec } from "../catalog/processes";
import { jwtEnvProperties, type JwtSeed } from "./data/aws/jwtSigningKey";
import {
    connectionUrlKeys,
    esoApiVersion,
    esoPreflight,
    ExternalSecrets,
    literalUrlParts,
    type LiteralUrlParts,
    remoteSecretValues,
    type SyncedSecret,
} from "./data/aws/externalSecrets";
import { migrationJobName, migrationLabels, migrationSecretName } from "./workloads/migrations";
import { DatabaseRoles, rolePasswordEnv, rolesJobName, rolesLabels, rolesOwner, rolesScript } from "./workloads/databaseRoles";
import { databasesOf } from "../catalog/databaseRoles";
import { resolveDataSettings } from "../config/data";
import { Operations, watchedDatabases } from "./operations/operations";
import { PrometheusRules } from "./operations/prometheusRules";
import { NetworkPolicies } from "./workloads/networkPolicies";
import { awsProvider, kubernetesProvider } from "../wiring/providers";
import { SecretStore, secretName } from "./data/aws/secretStore";
import { processLabels, servicePort, ServiceProcess } from "./workloads/serviceProcess";
import { SmokeProbes } from "./probes/smokeProbes";

export interface PlatformArgs {
    /** Validated config of the stack (config/load.ts). */
    readonly config: PlatformConfig;
}

/**
 * The user and password each of an owner's Postgres URLs borrows from a credentials secret (AWS
 * stacks, DataTierOutputs.databaseCredentials), by env key; keys whose URL carries them are absent.
 */
export function urlCredentials(
    data: Pick<DataTierOutputs, "databaseCredentials">,
    owner: string,
    databaseOfKey: Readonly<Record<string, DatabaseName>>,
    keys: readonly string[],
): Record<string, BorrowedValue> {
    const out: Record<string, BorrowedValue> = {};
    for (const key of keys) {
        const database = databaseOfKey[key];
        const credentials = database === undefined ? undefined : data.databaseCredentials?.(owner, database);
        if (credentials !== undefined) out[key] = borrowedCredentials(credentials);
    }
    return out;
}

/**
 * Every env key of a process whose value (or URL password/user) is borrowed from another secret on AWS
 * stacks: the refs a rotation owns for all processes (DataTierOutputs.borrowedRef: the Redis auth
 * tokens), then the process's own database credentials (`urlCredentials`), by env key.
 */
export function borrowedEnv(
    data: Pick<DataTierOutputs, "databaseCredentials" | "borrowedRef">,
    process: ProcessSpec,
    keys: readonly string[],
    urlKeys: readonly string[],
): Record<string, BorrowedValue> {
    const refs = dataRefOfEnvKeys(process);
    const out: Record<string, BorrowedValue> = {};
    for (const key of keys) {
        const ref = refs[key];
        const borrowed = ref === undefined ? undefined : data.borrowedRef?.(ref);
        if (borrowed !== undefined) out[key] = borrowed;
    }
    return { ...out, ...urlCredentials(data, process.name, databaseOfEnvKeys(process), urlKeys) };
}

/**
 * Per URL key that borrows its credentials, the rest of the URL (scheme, host, path, and a user it
 * does not borrow), written into its ExternalSecret's template as text: secret, since it comes from
 * the URL's value. A restore that moves the host changes the spec.
 */
function urlLiterals(
    borrowed: Readonly<Record<string, BorrowedValue>>,
    urlKeys: readonly string[],
    values: Readonly<Record<string, pulumi.Input<string>>>,
): Record<string, pulumi.Output<LiteralUrlParts>> {
    return Object.fromEntries(
        Object.entries(borrowed)
            .filter(([key]) => urlKeys.includes(key))
            .map(([key, b]) => {
                const url = values[key];
                if (url === undefined) throw new pulumi.RunError(`${key} borrows its credentials but has no URL to take the rest from`);
                return [key, literalUrlParts(key, url, b)];
            }),
    );
}

/**
 * A process's own Secrets Manager values, once everything a rotation owns is borrowed and every
 * connection detail is text: only what encrypted config holds and a third party issues (Stripe's
 * keys, Supabase's service-role key, OAuth client secrets, and a process's own `services.<name>.secretEnv`,
 * such as a vendor's API key: `configured`). That is what tags the secret `issued`,
 * the one kind secrets-rotate lets go without a rotation, so anything else is refused here by name.
 */
export function issuedValues<V>(
    process: string,
    values: Readonly<Record<string, V>>,
    configured: readonly string[] = [],
): Readonly<Record<string, V>> {
    const other = Object.keys(values).filter(
        (k) =>
            !envMatrix.some((r) => r.name === k && r.source.kind === "configSecret") &&
            !oauthClientSecretPattern.test(k) &&
            !configured.includes(k),
    );
    if (other.length > 0)
        throw new pulumi.RunError(
            `${process}'s own secret would hold ${other.sort().join(", ")}, which no third party issues: borrow it from the secret ` +
                "that rotates it (wiring/dataContract.ts BorrowedValue) or write it as text (connectionDetailRefs)",
        );
    return values;
}

/**
 * What forces a migration's ExternalSecret to sync: the name of the Job about to run
 * (migrationJobName: image, command, extensions); a migration has no secret of its own to version.
 * The master secret it reads its user and password from rotates without `pulumi up`, so ESO re-reads
 * it before every new migration instead of leaving the Job the password from before a rotation until
 * the next refresh.
 */
export function migrationSyncVersion(database: DatabaseName, cfg: Pick<PlatformConfig, "images" | "migrations">): string {
    const plan = migrationPlan(cfg).find((m) => m.database === database);
    return plan === undefined ? "" : migrationJobName(database, plan.image, plan.command);
}

/**
 * The JWT signing key's first version, from config, on AWS stacks that configure `identityJwtPrivateKey`
 * (components/data/aws/jwtSigningKey.ts); undefined elsewhere (the local stack keeps its config values).
 */
export function jwtSeed(cfg: Pick<PlatformConfig, "data" | "secrets" | "identity">): pulumi.Output<JwtSeed> | undefined {
    const privateKey = cfg.secrets.identityJwtPrivateKey;
    if (cfg.data.provider !== "aws" || privateKey === undefined) return undefined;
    return pulumi.secret({
        privateKey,
        ...(cfg.identity.jwtPublicKey === undefined ? {} : { publicKey: cfg.identity.jwtPublicKey }),
        previousPublicKeys: [...(cfg.identity.previousJwtPublicKeys ?? [])],
    });
}

/**
 * With a JWT signing key secret (AWS stacks), a process that has the IDENTITY_JWT_* keys reads all three
 * from that secret's properties (`jwtEnvProperties`), through its Secret: the two public keys move
 * from its plain env to its Secret, and its own Secrets Manager secret holds none of them (they are
 * borrowed, and the rotation owns them). Without one, the env is unchanged.
 */
export function jwtFromSecret(
    env: ProcessEnv,
    jwt: { readonly name: pulumi.Input<string>; readonly arn: pulumi.Input<string> } | undefined,
): { env: ProcessEnv; borrowed: Record<string, BorrowedValue> } {
    const keys = Object.keys(jwtEnvProperties) as (keyof typeof jwtEnvProperties)[];
    const has = env.plain.some((p) => (keys as string[]).includes(p.name)) || keys.some((k) => k in env.secret);
    if (jwt === undefined || !has) return { env, borrowed: {} };
    const secret = { name: jwt.name, arn: jwt.arn };
    const borrowed: Record<string, BorrowedValue> = Object.fromEntries(
        keys.map((k) => [k, { value: { secret, property: jwtEnvProperties[k] } }]),
    );
    return {
        env: {
            plain: env.plain.filter((p) => !(keys as string[]).includes(p.name)),
            // The values are borrowed, never written: the ExternalSecret reads them from the JWT secret.
            secret: { ...env.secret, ...Object.fromEntries(keys.map((k) => [k, ""])) },
        },
        borrowed,
    };
}

function sha256(text: string): string {
    return crypto.createHash("sha256").update(text).digest("hex").slice(0, 16);
}

export class Platform extends pulumi.ComponentResource {
    readonly namespace: pulumi.Output<string>;
    readonly urls: { readonly api: string; readonly identity: string; readonly portal: string };
    readonly processes: readonly ServiceProcess[];
    readonly renderDirectory?: string;

    constructor(name: string, args: PlatformArgs, opts?: pulumi.ComponentResourceOptions) {
        // The config holds credentials: it is never passed to super.
        super("grownext:platform:Platform", name, {}, opts);
        const cfg = args.config;
        const kubernetes = kubernetesProvider(name, cfg, { parent: this });
        const aws = awsProvider(name, cfg, { parent: this });
        const childOpts: pulumi.ComponentResourceOptions = {
            parent: this,
            providers: aws ? { kubernetes, aws } : { kubernetes },
        };

        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            {
                metadata: {
                    name: cfg.kubernetes.namespace,
                    labels: {
                        [labelKeys.partOf]: partOf,
                        // Pod Security Admission rejects any pod that is not restricted, ours included.
                        "pod-security.kubernetes.io/enforce": "restricted",
                        "pod-security.kubernetes.io/audit": "restricted",
                        "pod-security.kubernetes.io/warn": "restricted",
                    },
                },
            },
            { parent: this, provider: kubernetes },
        );
        this.namespace = namespace.metadata.name;

        // AWS stacks: the migration Secrets are synced by ESO, declared further down (after the secret store).
        let migrationSecretsSynced: ((synced: pulumi.Resource[]) => void) | undefined;
        const migrationSecretsSyncedBy = aws
            ? new Promise<pulumi.Resource[]>((resolve) => {
                  migrationSecretsSynced = resolve;
              })
            : undefined;
        const data = new DataTier(
            `${name}-data`,
            {
                config: cfg,
                namespace: this.namespace,
                migrationSecretsSyncedBy,
                jwtSeed: jwtSeed(cfg),
            },
            childOpts,
        );

        // Day-2 operations (AWS stacks): alert route, alarms, event subscriptions, health checks, dashboard.
        if (data.aws) {
            new Operations(
                `${name}-operations`,
                {
                    config: cfg,
                    key: data.aws.key,
                    databases: watchedDatabases(data.aws.postgres, data.aws.restored),
                    redis: data.aws.redis,
                    cache: data.aws.cache,
                    redisMultiAz: data.aws.redis.multiAz,
                },
                childOpts,
            );
        }

        // Each process's pooled database URLs carry its own pool size (connection_limit), as the budget counts it.
        const envs = cfg.services.map((service) => {
            const values = envValues(cfg, pooledEnv(data.env, service.databasePoolSize), data.secretManagerProvider);
            const jwt = jwtFromSecret(processEnv(service.spec, values, cfg), data.jwtSigningKey);
            const env = jwt.env;
            const urlKeys = connectionUrlKeys(service.spec).filter((k) => k in env.secret);
            const refs = dataRefOfEnvKeys(service.spec);
            return {
                service,
                env,
                urlKeys,
                borrowed: { ...borrowedEnv(data, service.spec, Object.keys(env.secret), urlKeys), ...jwt.borrowed },
                // Where the queue's Redis is (host, port, TLS): no credential, so text in the template, not a stored value.
                literalKeys: Object.keys(env.secret).filter((k) => refs[k] !== undefined && connectionDetailRefs.includes(refs[k])),
            };
        });
        const migrationCredentials = (database: DatabaseName) =>
            urlCredentials(data, `migrate-${database}`, { DATABASE_URL: database }, ["DATABASE_URL"]);
        // AWS stacks: each database's roles Job (workloads/databaseRoles.ts) gets the master URL, as the
        // migrations do, and the password of every role it may create, read from that process's own
        // credentials secret (databaseCredentials.ts). Its current version is the right one to read:
        //  - first run: the role does not exist yet, nothing has rotated (rotateImmediately: false, and a
        //    rotation before the role exists fails at its first step), so the current version IS the
        //    first password, which the script sets as it creates the role;
        //  - later runs: the role exists and the script sets no password, so whatever the secret holds
        //    after a rotation is read and unused;
        //  - the rotation function creates `<role>_clone` itself (with the master secret), never this Job.
        // So the Job holds no value of its own, and no Secrets Manager secret of its own (only an IRSA
        // role that reads the master secret and those credentials secrets).
        const psqlImage = resolveDataSettings(cfg.environment, cfg.data).inCluster.postgresImage;
        const roleJobs = data.credentials
            ? data.migrations
                  .databases()
                  .filter((database) => data.roles.some((r) => r.database === database))
                  .map((database) => {
                      const roles = data.roles.filter((r) => r.database === database);
                      const passwords: Record<string, BorrowedValue> = Object.fromEntries(
                          roles.map((r) => {
                              const c = data.databaseCredentials?.(r.process, database);
                              if (c === undefined)
                                  throw new pulumi.RunError(`${r.process} has a role in ${database} but no credentials secret there`);
                              return [rolePasswordEnv(r.process), { value: { secret: c, property: "password" } }];
                          }),
                      );
                      const spec = {
                          databaseName: postgresNames(database).database,
                          owner: postgresNames(database).user,
                          roles: roles.map((r) => ({ role: r.role, access: r.access, passwordEnv: rolePasswordEnv(r.process) })),
                      };
                      return {
                          database,
                          spec,
                          // The Job about to run: its ExternalSecret re-syncs for it (a rotated master password is read afresh).
                          jobName: rolesJobName(
                              database,
                              psqlImage,
                              rolesScript({ database: spec.databaseName, owner: spec.owner, roles: spec.roles }),
                          ),
                          borrowed: {
                              ...urlCredentials(data, rolesOwner(database), { DATABASE_URL: database }, ["DATABASE_URL"]),
                              ...passwords,
                          },
                      };
                  })
            : [];

        // AWS stacks: Secrets Manager holds each process's values, connection URLs as their parts (but for
        // a database URL's, which its ExternalSecret's template holds); the External Secrets Operator syncs
        // them into the cluster. The migrations and roles Jobs hold no value of their own: an IRSA role each.
        const migrated = data.migrations.databases();
        const access =
            aws && data.kmsKey
                ? new SecretStore(
                      `${name}-secrets`,
                      {
                          config: cfg,
                          namespace: this.namespace,
                          kmsKey: data.kmsKey,
                          processSecrets: [
                              ...envs.map(({ service, env, urlKeys, borrowed, literalKeys }) => ({
                                  process: service.spec.name,
                                  values: issuedValues(
                                      service.spec.name,
                                      remoteSecretValues(env.secret, urlKeys, borrowed, literalKeys),
                                      Object.keys(cfg.secrets.processSecretEnv[service.spec.name] ?? {}),
                                  ),
                                  sharedSecretArns: borrowedSecretArns(borrowed),
                                  // What is left is what only its issuer replaces (secrets-rotate's one exception).
                                  kind: issuedKind,
                              })),
                              ...migrated.map((database) => {
                                  const credentials = migrationCredentials(database);
                                  return {
                                      process: `migrate-${database}`,
                                      values: remoteSecretValues(
                                          { DATABASE_URL: data.migrationUrls[database] },
                                          ["DATABASE_URL"],
                                          credentials,
                                      ),
                                      sharedSecretArns: borrowedSecretArns(credentials),
                                  };
                              }),
                              ...roleJobs.map(({ database, borrowed }) => ({
                                  process: rolesOwner(database),
                                  values: {},
                                  sharedSecretArns: borrowedSecretArns(borrowed),
                              })),
                          ],
                      },
                      childOpts,
                  )
                : undefined;
        const synced =
            access && cfg.data.aws
                ? this.externalSecrets(name, cfg, access, envs, migrated, data.migrationUrls, migrationCredentials, roleJobs, childOpts)
                : undefined;
        migrationSecretsSynced?.(synced ? migrated.map((db) => synced.externalSecret(`migrate-${db}`)!) : []);
        // The roles gate: after each database's migrations, before any of its processes rolls.
        const rolesGate =
            synced && roleJobs.length > 0
                ? new DatabaseRoles(
                      `${name}-roles`,
                      {
                          namespace: this.namespace,
                          psqlImage,
                          timeoutSeconds: cfg.migrations.timeoutSeconds,
                          databases: roleJobs.map(({ database, spec }) => ({
                              database,
                              ...spec,
                              secretName: rolesOwner(database),
                              dependsOn: [data.migrationGate(database), synced.externalSecret(rolesOwner(database))].filter(
                                  (r): r is pulumi.Resource => r !== undefined,
                              ),
                          })),
                      },
                      childOpts,
                  )
                : undefined;

        this.processes = envs.map(({ service, env }) => {
            const gate = service.spec.migratesBefore ? data.migrationGate(service.spec.migratesBefore) : undefined;
            // A process rolls only once its own role exists in every database it connects to.
            const rolesReady = databasesOf(service.spec).flatMap((database) => rolesGate?.job(database) ?? []);
            return new ServiceProcess(
                `${name}-${service.spec.name}`,
                {
                    service,
                    namespace: this.namespace,
                    env,
                    serviceAccountAnnotations: access?.serviceAccountAnnotations(service.spec.name),
                    rolloutAfter: gate || rolesReady.length > 0 ? [...(gate ? [gate] : []), ...rolesReady] : undefined,
                    spread: topologySpreadByEnvironment[cfg.environment],
                    syncedSecret: synced?.externalSecret(service.spec.name)
                        ? { name: `${service.spec.name}-env`, syncedBy: synced.externalSecret(service.spec.name)! }
                        : undefined,
                },
                childOpts,
            );
        });

        new NetworkPolicies(
            `${name}-network`,
            {
                namespace: this.namespace,
                processes: cfg.services.map((s) => s.spec),
                ingressNamespace: cfg.edge.ingressNamespace,
                stores: data.stores,
                migratedDatabases: data.migrations.databases(),
            },
            childOpts,
        );

        const edge = new Edge(
            `${name}-edge`,
            {
                namespace: this.namespace,
                routes: this.processes.flatMap(({ spec, serviceName }) =>
                    spec.publicHost && serviceName
                        ? [
                              {
                                  process: spec.name,
                                  host: `${spec.publicHost}.${cfg.domain}`,
                                  serviceName,
                                  servicePort,
                                  watchedPaths: spec.watchedPaths?.map((w) => w.path),
                                  annotations: dnsAnnotations(cfg.dns, `${spec.publicHost}.${cfg.domain}`),
                              },
                          ]
                        : [],
                ),
                ingressClassName: cfg.edge.ingressClassName,
                clusterIssuer: cfg.edge.clusterIssuer,
                hstsMaxAgeSeconds: cfg.edge.hstsMaxAgeSeconds,
            },
            childOpts,
        );
        publicDnsRecords(`${name}-dns`, cfg, edge.ingresses, childOpts);

        // Kubernetes-side alert rules, where the cluster runs the Prometheus Operator.
        if (cfg.monitoring.prometheusRules) {
            new PrometheusRules(
                `${name}-alert-rules`,
                { namespace: cfg.kubernetes.namespace, processes: cfg.services.map((s) => s.spec) },
                { ...childOpts, dependsOn: [namespace] },
            );
        }

        this.urls = cfg.urls;
        this.renderDirectory = cfg.kubernetes.renderDirectory;

        new SmokeProbes(
            `${name}-smoke`,
            {
                enabled: cfg.probes.enabled,
                apiUrl: cfg.urls.api,
                identityUrl: cfg.urls.identity,
                portalUrl: cfg.urls.portal,
                issuer: cfg.urls.identity,
                deadlineSeconds: cfg.probes.deadlineSeconds,
                // A new pod template (image, env, secret name) re-runs the probes; secret values never enter the hash.
                triggers: this.processes.map((p) => pulumi.jsonStringify(p.deployment.spec.template).apply(sha256)),
                // The probes reach the processes through their public hosts: wait for the edge as well.
                dependsOn: [...this.processes.map((p) => p.deployment), edge],
            },
            childOpts,
        );

        this.registerOutputs({ namespace: this.namespace, urls: this.urls });
    }

    /**
     * The ESO objects of an AWS stack (components/data/aws/externalSecrets.ts): one store and one ExternalSecret
     * per process with secret env, and per migration. A cluster stack checks the operator's CRDs first.
     */
    private externalSecrets(
        name: string,
        cfg: PlatformConfig,
        access: SecretStore,
        envs: ReadonlyArray<{
            service: PlatformConfig["services"][number];
            env: { secret: Readonly<Record<string, pulumi.Input<string>>> };
            urlKeys: readonly string[];
            borrowed: Readonly<Record<string, BorrowedValue>>;
            literalKeys: readonly string[];
        }>,
        migrated: readonly DatabaseName[],
        migrationUrls: Readonly<Record<DatabaseName, pulumi.Input<string>>>,
        migrationCredentials: (database: DatabaseName) => Readonly<Record<string, BorrowedValue>>,
        roleJobs: ReadonlyArray<{
            database: DatabaseName;
            jobName: string;
            borrowed: Readonly<Record<string, BorrowedValue>>;
        }>,
        childOpts: pulumi.ComponentResourceOptions,
    ): ExternalSecrets {
        const secrets: SyncedSecret[] = [
            ...envs
                .filter(({ env }) => Object.keys(env.secret).length > 0)
                .map(({ service, env, urlKeys, borrowed, literalKeys }): SyncedSecret => ({
                    owner: service.spec.name,
                    remoteName: access.hasOwnSecret(service.spec.name) ? secretName(cfg.project, cfg.stack, service.spec.name) : undefined,
                    keys: Object.keys(env.secret).sort(),
                    urlKeys,
                    borrowed,
                    literals: urlLiterals(borrowed, urlKeys, env.secret),
                    literalValues: Object.fromEntries(literalKeys.map((k) => [k, env.secret[k]!])),
                    // Values a rotation owns reach a running process on the short refresh (RDS Proxy knows one user at a time).
                    refreshInterval: Object.keys(borrowed).length > 0 ? cfg.rotation.credentialsRefreshInterval : undefined,
                    targetName: `${service.spec.name}-env`,
                    version: access.secretVersionId(service.spec.name),
                    labels: processLabels(service.spec),
                })),
            ...migrated.map((database): SyncedSecret => ({
                owner: `migrate-${database}`,
                keys: ["DATABASE_URL"],
                urlKeys: ["DATABASE_URL"],
                borrowed: migrationCredentials(database),
                literals: urlLiterals(migrationCredentials(database), ["DATABASE_URL"], { DATABASE_URL: migrationUrls[database] }),
                targetName: migrationSecretName(database),
                version: migrationSyncVersion(database, cfg),
                labels: migrationLabels(database),
                createServiceAccount: access.serviceAccountAnnotations(`migrate-${database}`),
            })),
            ...roleJobs.map(({ database, jobName, borrowed }): SyncedSecret => ({
                owner: rolesOwner(database),
                keys: Object.keys(borrowed).sort(),
                urlKeys: ["DATABASE_URL"],
                // The master URL's credentials and each role's password (why the current one: see roleJobs).
                borrowed,
                literals: urlLiterals(borrowed, ["DATABASE_URL"], { DATABASE_URL: migrationUrls[database] }),
                targetName: rolesOwner(database),
                // The Job about to run: it has no secret of its own to version.
                version: jobName,
                labels: rolesLabels(database),
                createServiceAccount: access.serviceAccountAnnotations(rolesOwner(database)),
            })),
        ];
        // Rendering (no cluster) has no CRDs to ask for; a cluster is asked, during preview too.
        const apiVersion =
            cfg.kubernetes.mode === "cluster" ? esoPreflight(cfg.kubernetes, { parent: this }) : pulumi.output(esoApiVersion);
        return new ExternalSecrets(
            `${name}-external-secrets`,
            {
                namespace: this.namespace,
                region: cfg.data.aws!.region,
                refreshInterval: cfg.rotation.refreshInterval,
                apiVersion,
                secrets,
            },
            childOpts,
        );
    }
}
