/**
 * Secrets Manager as the truth on AWS stacks (components/data/aws/externalSecrets.ts): the ESO objects each
 * process gets, the URL templates, the CRD preflight, and the local stack left as it was.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import { envMatrix } from "../../../../catalog/envMatrix";
import { findProcess, processCatalog } from "../../../../catalog/processes";
import { catalogDatabases, databaseRoles } from "../../../../catalog/databaseRoles";
import {
    connectionUrlKeys,
    esoApiVersion,
    esoCrds,
    esoPreflightProblems,
    esoPreflightScript,
    externalSecretMapping,
    forceSyncAnnotation,
    reloaderAnnotation,
    splitUrl,
    urlParts,
    urlPartProperty,
    urlTemplate,
} from "../../../../components/data/aws/externalSecrets";
import { postgresUrl, redisUrl } from "../../../../wiring/dataContract";
import { jwtEnvProperties } from "../../../../components/data/aws/jwtSigningKey";
import { databaseOfEnvKeys } from "../../../../wiring/processEnv";
import { evaluateStack } from "../../../../sandbox/evaluate";
import { installMocks, localRun, unwrap, type RecordedResource } from "../../../../sandbox/mocks";
import { stackConfig } from "../../../../sandbox/stacks";

const esoStore = "kubernetes:external-secrets.io/v1:SecretStore";
const esoExternal = "kubernetes:external-secrets.io/v1:ExternalSecret";
const k8sSecret = "kubernetes:core/v1:Secret";
const deploymentType = "kubernetes:apps/v1:Deployment";

/**
 * A reading of the two Go-template forms the templates use (`{{ .k }}`, `{{ .k | urlquery }}`,
 * urlquery being Go's url.QueryEscape), written apart from the code under test.
 */
function render(template: string, values: Record<string, string>): string {
    return template.replace(/\{\{ \.([A-Za-z0-9_]+)( \| urlquery)? \}\}/g, (_m, key: string, q?: string) => {
        const v = values[key];
        if (v === undefined) throw new Error(`template reads ${key}, which no data entry provides`);
        return q
            ? encodeURIComponent(v)
                  .replace(/%20/g, "+")
                  .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
            : v;
    });
}

/** The properties of a process's ExternalSecret read from a Redis token's secret, and which Redis. */
const redisTokenKeys: Readonly<Record<string, "queue" | "cache">> = {
    REDIS_URL__password: "queue",
    QUEUE_REDIS_PASSWORD: "queue",
    CACHE_REDIS_URL__password: "cache",
};

/** The matrix's secret env names for a process (its groups' secret rows). */
function matrixSecretKeys(process: string): string[] {
    const spec = findProcess(process)!;
    return [...new Set(envMatrix.filter((r) => r.secret && spec.envGroups.includes(r.group)).map((r) => r.name))].sort();
}

describe("ExternalSecrets: URL parts and templates", () => {
    it("rebuilds Postgres and Redis URLs from their parts, passwords with every URL-safe special", () => {
        const pw = `${crypto.randomBytes(12).toString("base64url")}-_.~`;
        for (const url of [
            postgresUrl({
                user: "grownext_app",
                password: pw,
                host: "db.abc.rds.amazonaws.com",
                port: 5432,
                database: "app",
                sslmode: "require",
            }),
            redisUrl({ password: pw, host: "master.q.cache.amazonaws.com", port: 6379, tls: true }),
            redisUrl({ password: pw, host: "queue", port: 6379, tls: false }),
        ]) {
            const parts = splitUrl(url);
            assert.strictEqual(parts.password, pw);
            const values = Object.fromEntries(urlParts.map((p) => [urlPartProperty("K", p), parts[p]]));
            assert.strictEqual(render(urlTemplate("K"), values), url);
        }
    });

    it("refuses a URL it cannot parse without printing it", () => {
        assert.throws(
            () => splitUrl("not a url FAKE-SECRET"),
            (e: Error) => /could not be parsed/.test(e.message) && !e.message.includes("FAKE-SECRET"),
        );
    });

    it("maps each plain key to its own property and each URL key to its five parts", () => {
        const m = externalSecretMapping("grownext/production/web", ["STRIPE_SECRET_KEY", "DATABASE_URL"], ["DATABASE_URL"]);
        assert.deepStrictEqual(Object.keys(m.template).sort(), ["DATABASE_URL", "STRIPE_SECRET_KEY"]);
        assert.strictEqual(m.template.STRIPE_SECRET_KEY, "{{ .STRIPE_SECRET_KEY }}");
        assert.deepStrictEqual(
            m.data.map((d) => d.remoteRef.property).sort(),
            [...urlParts.map((p) => `DATABASE_URL__${p}`), "STRIPE_SECRET_KEY"].sort(),
        );
        for (const d of m.data) assert.strictEqual(d.secretKey, d.remoteRef.property);
    });

    it("treats exactly the matrix's data refs ending in Url as connection URLs", () => {
        assert.deepStrictEqual(connectionUrlKeys(findProcess("worker")!), [
            "DATABASE_URL",
            "REDIS_URL",
            "TASKS_DATABASE_DIRECT_URL",
            "TASKS_DATABASE_URL",
        ]);
        assert.deepStrictEqual(connectionUrlKeys(findProcess("portal")!), []);
    });
});

describe("ExternalSecrets: the CRD preflight", () => {
    const ok = esoCrds.map((c) => `crd ${c} 0 v1 v1beta1`).join("\n");

    it("passes when both CRDs serve v1", () => {
        assert.deepStrictEqual(esoPreflightProblems(ok), []);
    });

    it("names a missing CRD and the fix (install ESO)", () => {
        const problems = esoPreflightProblems(`crd ${esoCrds[0]} 0 v1\ncrd ${esoCrds[1]} 0`);
        assert.strictEqual(problems.length, 1);
        assert.match(
            problems[0]!,
            /CRD externalsecrets\.external-secrets\.io is not installed in the cluster: install the External Secrets Operator/,
        );
    });

    it("names a CRD that serves only v1beta1 and says to upgrade", () => {
        const problems = esoPreflightProblems(`crd ${esoCrds[0]} 0 v1beta1\ncrd ${esoCrds[1]} 0 v1`);
        assert.deepStrictEqual(problems.length, 1);
        assert.match(
            problems[0]!,
            /secretstores\.external-secrets\.io does not serve external-secrets\.io\/v1 \(serves v1beta1\): upgrade/,
        );
    });

    it("reports an unreachable cluster and a missing kubectl, naming what to fix", () => {
        assert.match(
            esoPreflightProblems(`crd ${esoCrds[0]} 1 error: context "x" does not exist\n${ok.split("\n")[1]}`)[0]!,
            /could not be read .*exited 1.*kubernetes\.context/,
        );
        assert.match(esoPreflightProblems("no-kubectl")[0]!, /kubectl, which is not on PATH/);
        assert.strictEqual(esoPreflightProblems("").length, esoCrds.length, "no output is no evidence");
    });

    it("asks for every CRD by name, and passes the context and kubeconfig through the environment only", () => {
        const script = esoPreflightScript();
        for (const crd of esoCrds) assert.ok(script.includes(crd), crd);
        assert.ok(!/grownext-(staging|production)/.test(script), "no stack value inside the script");
    });
});

describe("ExternalSecrets on the production graph", () => {
    let resources: RecordedResource[];
    before(async () => {
        installMocks();
        localRun.calls.length = 0;
        resources = await evaluateStack("production");
    });

    const stores = () => resources.filter((r) => r.type === esoStore);
    const externals = () => resources.filter((r) => r.type === esoExternal);
    const withSecretEnv = processCatalog.filter((p) => matrixSecretKeys(p.name).length > 0).map((p) => p.name);

    it("runs the CRD preflight once, against the stack's context", () => {
        assert.strictEqual(localRun.calls.length, 1);
        assert.strictEqual(localRun.calls[0]!.environment?.GROWNEXT_CONTEXT, stackConfig("production").kubernetes.context);
    });

    it("declares no Kubernetes Secret at all: ESO writes them", () => {
        const secrets = resources.filter((r) => r.type === k8sSecret);
        assert.deepStrictEqual(
            secrets.map((s) => s.name),
            [],
        );
    });

    it("gives each process with secret env, each migration and each roles Job one SecretStore authenticated as its own ServiceAccount", () => {
        const rolesJobs = catalogDatabases.filter((d) => databaseRoles().some((r) => r.database === d)).map((d) => `roles-${d}`);
        assert.deepStrictEqual(rolesJobs, ["roles-app", "roles-identity"]);
        const owners = [...withSecretEnv, "migrate-app", "migrate-identity", ...rolesJobs].sort();
        assert.deepStrictEqual(
            stores()
                .map((s) => s.inputs.metadata.name)
                .sort(),
            owners,
        );
        for (const s of stores()) {
            assert.strictEqual(s.inputs.apiVersion, esoApiVersion);
            assert.deepStrictEqual(s.inputs.spec, {
                provider: {
                    aws: {
                        service: "SecretsManager",
                        region: "eu-west-1",
                        auth: { jwt: { serviceAccountRef: { name: s.inputs.metadata.name } } },
                    },
                },
            });
        }
        const accounts = resources.filter((r) => r.type === "kubernetes:core/v1:ServiceAccount");
        for (const owner of owners) {
            const sa = accounts.find((a) => a.inputs.metadata.name === owner);
            assert.ok(sa, `${owner} has a ServiceAccount`);
            assert.match(
                sa.inputs.metadata.annotations["eks.amazonaws.com/role-arn"],
                new RegExp(`secrets-${owner}-role$`),
                `${owner}'s own IRSA role`,
            );
        }
    });

    it("maps exactly the keys the matrix gives each process, no more, from its own secret", () => {
        const cfg = stackConfig("production");
        for (const process of withSecretEnv) {
            const es = externals().find((e) => e.inputs.metadata.name === process)!;
            assert.ok(es, `${process} has an ExternalSecret`);
            const spec = unwrap(es.inputs.spec);
            let expected = matrixSecretKeys(process);
            if (findProcess(process)!.envGroups.includes("oauth"))
                expected = [...expected, ...Object.keys(cfg.secrets.oauthClientSecrets)].sort();
            // The JWT keys, public ones included, come through the Secret from the JWT signing key's secret.
            const jwt = findProcess(process)!.envGroups.includes("identityJwt");
            if (jwt) expected = [...new Set([...expected, ...Object.keys(jwtEnvProperties)])].sort();
            // Optional matrix rows without a value on this stack are left out, as in the env.
            const inEnv = resources
                .find((r) => r.type === deploymentType && r.inputs.metadata.name === process)!
                .inputs.spec.template.spec.containers[0].env.filter((e: any) => e.valueFrom?.secretKeyRef)
                .map((e: any) => e.name)
                .sort();
            assert.deepStrictEqual(
                Object.keys(spec.target.template.data).sort(),
                inEnv,
                `${process}: template keys are the env's secret keys`,
            );
            for (const k of inEnv) assert.ok(expected.includes(k), `${process}: ${k} is a matrix key of the process`);
            assert.strictEqual(spec.target.name, `${process}-env`);
            assert.strictEqual(spec.target.template.mergePolicy, "Replace");
            // A process that reads a value a rotation owns (its database login, a Redis token) re-reads on the short refresh.
            const readsCredentials = [...Object.keys(databaseOfEnvKeys(findProcess(process)!)), ...Object.keys(redisTokenKeys)].some(
                (k) => k in spec.target.template.data,
            );
            assert.strictEqual(
                spec.refreshInterval,
                readsCredentials ? cfg.rotation.credentialsRefreshInterval : cfg.rotation.refreshInterval,
            );
            assert.deepStrictEqual(spec.secretStoreRef, { name: process, kind: "SecretStore" });
            // Its own secret, except a database URL's user and password (its own role's rotating credentials
            // secret) and the Redis tokens (each Redis's token secret).
            for (const d of spec.data) {
                const [, urlKey, part] = /^(.+)__(username|password)$/.exec(d.secretKey) ?? [];
                const database = urlKey === undefined ? undefined : databaseOfEnvKeys(findProcess(process)!)[urlKey];
                const redis = redisTokenKeys[d.secretKey];
                if (redis !== undefined) {
                    assert.deepStrictEqual(
                        d.remoteRef,
                        { key: `grownext/production/redis-${redis}`, property: "password" },
                        `${process} ${d.secretKey} from the ${redis} Redis's token secret`,
                    );
                } else if (d.secretKey in jwtEnvProperties) {
                    assert.ok(jwt, `${process} reads ${d.secretKey}`);
                    assert.deepStrictEqual(
                        d.remoteRef,
                        {
                            key: "grownext/production/identity-jwt",
                            property: jwtEnvProperties[d.secretKey as keyof typeof jwtEnvProperties],
                        },
                        `${process} ${d.secretKey} from the JWT signing key's secret`,
                    );
                } else if (database === undefined) {
                    assert.strictEqual(d.remoteRef.key, `grownext/production/${process}`, `${process} reads its own secret`);
                } else {
                    assert.deepStrictEqual(
                        d.remoteRef,
                        { key: `grownext/production/${process}/db-${database}`, property: part },
                        `${process} ${d.secretKey} from its own credentials secret`,
                    );
                }
            }
            // A database URL's scheme, host and path are the template's literals, read from no secret.
            for (const urlKey of Object.keys(databaseOfEnvKeys(findProcess(process)!)).filter((k) => k in spec.target.template.data)) {
                const read = spec.data.filter((d: any) => d.secretKey.startsWith(`${urlKey}__`)).map((d: any) => d.secretKey);
                assert.deepStrictEqual(read, [`${urlKey}__username`, `${urlKey}__password`], `${process} ${urlKey}`);
                assert.match(spec.target.template.data[urlKey], /^postgresql:\/\/\{\{ [^}]+ \}\}:\{\{ [^}]+ \}\}@[a-z0-9.-]+:5432\/\w+\?/);
            }
            // A process with a secret of its own syncs at once when its version changes; one without has nothing to version.
            assert.strictEqual(
                Boolean(es.inputs.metadata.annotations[forceSyncAnnotation]),
                spec.data.some((d: any) => d.remoteRef.key === `grownext/production/${process}`),
                `${process}: force-sync exactly when it reads its own secret`,
            );
            assert.strictEqual(es.inputs.metadata.annotations["pulumi.com/waitFor"], "condition=Ready");
        }
    });

    it("stores in Secrets Manager exactly the properties the ExternalSecret reads", () => {
        for (const es of externals()) {
            const owner = es.inputs.metadata.name;
            const spec = unwrap(es.inputs.spec);
            const version = resources.find(
                (r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion" && r.name.endsWith(`-secrets-${owner}-version`),
            );
            const own = spec.data.filter((d: any) => d.remoteRef.key === `grownext/production/${owner}`);
            // An owner that reads nothing of its own (the migrations and roles Jobs) has no secret of its own.
            assert.strictEqual(version === undefined, own.length === 0, `${owner}: a secret of its own exactly when it reads one`);
            const stored = version ? JSON.parse(unwrap(version.inputs.secretString)) : {};
            assert.deepStrictEqual(Object.keys(stored).sort(), own.map((d: any) => d.remoteRef.property).sort(), owner);
            // And the template, fed what is stored and what the master secrets hold, yields valid URLs for every URL key.
            const master: Record<string, string> = {
                username: "grownext_app",
                password: "pw-FAKE",
                privateKey: "private-FAKE",
                publicKey: "public-FAKE",
                otherPublicKeysPem: "",
            };
            const fed: Record<string, string> = { ...stored };
            for (const d of spec.data)
                if (d.remoteRef.key !== `grownext/production/${owner}`) fed[d.secretKey] = master[d.remoteRef.property]!;
            for (const [key, tpl] of Object.entries(spec.target.template.data as Record<string, string>)) {
                const out = render(tpl, fed);
                if (/_URL$/.test(key)) assert.match(out, /^(postgresql|rediss?):\/\/[^@]*:[^@]+@[^/]+/, `${owner} ${key}`);
            }
        }
    });

    it("lets each owner's IRSA role read exactly the secrets its ExternalSecret reads", () => {
        // The mocks' ARN of a secret the program names (a master secret is named by its ARN already).
        const arnOf = (key: string) =>
            key.startsWith("arn:") ? key : `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${key}-AbCdEf`;
        for (const es of externals()) {
            const owner = es.inputs.metadata.name;
            const read = [...new Set(unwrap(es.inputs.spec).data.map((d: any) => arnOf(d.remoteRef.key)))].sort();
            const policy = JSON.parse(
                resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.name === `grownext-secrets-${owner}-policy`)!.inputs
                    .policy,
            );
            const may = policy.Statement.filter((x: any) => /^Read/.test(x.Sid))
                .flatMap((x: any) => [x.Resource].flat())
                .sort();
            assert.deepStrictEqual(may, read, owner);
            // The Jobs read no secret of their own: their roles have no statement for one.
            if (/^(migrate|roles)-/.test(owner))
                assert.ok(!policy.Statement.some((x: any) => x.Sid === "ReadOwnSecret"), `${owner} has no secret of its own`);
        }
    });

    it("points every Deployment and migration Job at the synced Secret, waiting for it, with Reloader rolling on change", () => {
        for (const process of withSecretEnv) {
            const d = resources.find((r) => r.type === deploymentType && r.inputs.metadata.name === process)!;
            const refs = d.inputs.spec.template.spec.containers[0].env
                .filter((e: any) => e.valueFrom?.secretKeyRef)
                .map((e: any) => e.valueFrom.secretKeyRef.name);
            assert.ok(refs.length > 0 && refs.every((n: string) => n === `${process}-env`), process);
            assert.strictEqual(d.inputs.metadata.annotations[reloaderAnnotation], `${process}-env`);
            const es = externals().find((e) => e.inputs.metadata.name === process)!;
            assert.ok(d.dependencies!.includes(es.urn!), `${process} waits for its ExternalSecret`);
        }
        for (const job of resources.filter((r) => r.type === "kubernetes:batch/v1:Job")) {
            const database = job.inputs.metadata.labels["grownext.io/database"];
            const owner = `${job.inputs.metadata.labels["app.kubernetes.io/name"].startsWith("roles-") ? "roles" : "migrate"}-${database}`;
            const es = externals().find((e) => e.inputs.metadata.name === owner)!;
            assert.ok(job.dependencies!.includes(es.urn!), `${job.name} waits for its ExternalSecret`);
            const target = owner.startsWith("roles-") ? owner : `${owner}-database`;
            for (const c of [...(job.inputs.spec.template.spec.initContainers ?? []), ...job.inputs.spec.template.spec.containers]) {
                const ref = c.env.find((e: any) => e.name === "DATABASE_URL").valueFrom.secretKeyRef;
                assert.deepStrictEqual(ref, { name: target, key: "DATABASE_URL" });
            }
        }
    });
});

describe("ExternalSecrets: a cluster without ESO", () => {
    const original = localRun.stdout;
    before(() => installMocks());
    after(() => {
        localRun.stdout = original;
    });

    it("fails the preflight naming the missing CRD and the fix; the ESO objects take their apiVersion from it", async () => {
        const { esoPreflight } = await import("../../../../components/data/aws/externalSecrets");
        localRun.stdout = () => `crd ${esoCrds[0]} 0\ncrd ${esoCrds[1]} 0 v1\n`;
        const failed = esoPreflight({ context: "grownext-staging" }) as unknown as { promise(): Promise<string> };
        await assert.rejects(
            failed.promise(),
            /External Secrets Operator preflight failed:\n {2}- CRD secretstores\.external-secrets\.io is not installed in the cluster: install the External Secrets Operator/,
        );
        localRun.stdout = original;
        const passed = esoPreflight({ context: "grownext-staging" }) as unknown as { promise(): Promise<string> };
        assert.strictEqual(await passed.promise(), esoApiVersion);
    });
});

describe("the local stack keeps its own Secrets", () => {
    let resources: RecordedResource[];
    before(async () => {
        installMocks();
        localRun.calls.length = 0;
        resources = await evaluateStack("local");
    });

    it("declares no ESO object and runs no preflight", () => {
        assert.deepStrictEqual(
            resources.filter((r) => r.type.includes("external-secrets.io")),
            [],
        );
        assert.strictEqual(localRun.calls.length, 0);
    });

    it("writes one immutable Secret per process with secret env, holding exactly its env's secret keys, and one per migration", () => {
        const secrets = resources.filter((r) => r.type === k8sSecret);
        for (const p of processCatalog.filter((q) => matrixSecretKeys(q.name).length > 0)) {
            const d = resources.find((r) => r.type === deploymentType && r.inputs.metadata.name === p.name)!;
            const refs = d.inputs.spec.template.spec.containers[0].env.filter((e: any) => e.valueFrom?.secretKeyRef);
            const names = [...new Set(refs.map((e: any) => e.valueFrom.secretKeyRef.name))];
            assert.strictEqual(names.length, 1, p.name);
            // Auto-named: the mocks name it `<resource name>-abc123`, as the provider would add a suffix.
            const own = secrets.find((s) => (s.inputs.metadata.name ?? `${s.name}-abc123`) === names[0])!;
            assert.ok(own, `${p.name} references a Secret the program declares`);
            assert.strictEqual(own.inputs.immutable, true);
            assert.deepStrictEqual(Object.keys(unwrap(own.inputs.stringData)).sort(), refs.map((e: any) => e.name).sort());
            assert.strictEqual(d.inputs.metadata.annotations, undefined, `${p.name}: no Reloader annotation locally`);
        }
        for (const db of ["app", "identity"]) {
            const m = secrets.find((s) => s.inputs.metadata.name === `migrate-${db}-database`)!;
            assert.deepStrictEqual(Object.keys(unwrap(m.inputs.stringData)), ["DATABASE_URL"]);
            assert.match(unwrap<Record<string, string>>(m.inputs.stringData).DATABASE_URL!, /^postgresql:\/\//);
        }
        const processesWithSecrets = processCatalog.filter((q) => matrixSecretKeys(q.name).length > 0).length;
        assert.strictEqual(secrets.filter((s) => s.name.endsWith("-env")).length, processesWithSecrets);
    });
});
