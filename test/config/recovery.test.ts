/**
 * RPO/RTO as checked config, and a point-in-time restore as a config change, evaluated under mocks.
 */
import * as assert from "assert";
import { recoveryFacts, recoveryObjectives } from "../../config/recovery";
import { minimalConfigProblems } from "../fixtures/minimalStacks";
import { evaluateStack } from "../../sandbox/evaluate";
import { installMocks, unwrap, type RecordedResource } from "../../sandbox/mocks";
import { stackValues } from "../../sandbox/stacks";

const rds = "aws:rds/instance:Instance";

function problemFor(problems: string[], key: string): string {
    const found = problems.filter((p) => p.startsWith(`${key} `));
    assert.strictEqual(found.length, 1, `one problem for ${key}, got: ${JSON.stringify(problems)}`);
    return found[0]!;
}

describe("recovery objectives (data.rpoMinutes, data.rtoHours)", () => {
    it("default to the guides' RPO 1 h / RTO 4 h in production, a day in staging, none locally", () => {
        assert.deepStrictEqual(recoveryObjectives("production", {}), { rpoMinutes: 60, rtoHours: 4 });
        assert.deepStrictEqual(recoveryObjectives("staging", {}), { rpoMinutes: 1440, rtoHours: 24 });
        assert.strictEqual(recoveryObjectives("local", {}), undefined);
        assert.deepStrictEqual(minimalConfigProblems("production"), []);
        assert.deepStrictEqual(minimalConfigProblems("staging"), []);
    });

    it("refuses an RPO below what RDS point-in-time recovery can restore", () => {
        assert.match(
            problemFor(minimalConfigProblems("production", { rpoMinutes: 2 }), "data.rpoMinutes"),
            new RegExp(`below ${recoveryFacts.rdsPitrLagMinutes}.*got 2`),
        );
    });

    it("refuses a single-node Redis against an RPO shorter than its daily snapshot", () => {
        assert.match(
            problemFor(minimalConfigProblems("staging", { rpoMinutes: 60 }), "data.redis.multiAz"),
            /must be true to meet data\.rpoMinutes 60.*daily snapshot/,
        );
        assert.deepStrictEqual(minimalConfigProblems("staging", { rpoMinutes: 60, redis: { multiAz: true } }), []);
    });

    it("refuses an RTO shorter than a point-in-time restore takes", () => {
        assert.match(problemFor(minimalConfigProblems("production", { rtoHours: 0.5 }), "data.rtoHours"), /cannot be met below 1/);
    });

    it("refuses objectives and restores on the in-cluster stores, which keep no backups", () => {
        assert.match(
            problemFor(minimalConfigProblems("local", { rpoMinutes: 60 }), "data.rpoMinutes"),
            /in-cluster stores keep no backups/,
        );
        assert.match(
            problemFor(minimalConfigProblems("local", { restore: { app: { useLatestRestorableTime: true } } }), "data.restore.app"),
            /no point-in-time recovery/,
        );
    });

    it("refuses a restore that names neither or both points in time", () => {
        assert.match(
            problemFor(minimalConfigProblems("production", { restore: { app: {} } }), "data.restore.app"),
            /exactly one of restoreTime/,
        );
        assert.match(
            problemFor(
                minimalConfigProblems("production", {
                    restore: { app: { restoreTime: "2026-12-01T10:42:00Z", useLatestRestorableTime: true } },
                }),
                "data.restore.app",
            ),
            /exactly one/,
        );
        assert.ok(
            minimalConfigProblems("production", { restore: { app: { restoreTime: "yesterday" } } }).some((p) =>
                p.startsWith("data.restore.app.restoreTime "),
            ),
        );
    });
});

describe("restore as a config change (data.restore.app) under mocks", () => {
    let before_: RecordedResource[];
    let after: RecordedResource[];
    const restoreTime = "2026-12-01T10:42:00Z";
    before(async () => {
        installMocks();
        before_ = await evaluateStack("production");
        const data = stackValues("production").values.data as Record<string, unknown>;
        after = await evaluateStack("production", { data: { ...data, restore: { app: { restoreTime } } } });
    });
    const instances = (rs: RecordedResource[]) => rs.filter((r) => r.type === rds);
    /** The templates of an owner's ExternalSecret: a database URL's host is a literal of its template. */
    const templatesOf = (rs: RecordedResource[], owner: string) =>
        unwrap(
            rs.find((r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret" && r.inputs.metadata.name === owner)!.inputs.spec,
        ).target.template.data as Record<string, string>;

    it("declares a new, protected instance restored from the source to the given time", () => {
        const restored = instances(after).filter((r) => r.inputs.restoreToPointInTime !== undefined);
        assert.strictEqual(restored.length, 1);
        const r = restored[0]!;
        assert.strictEqual(r.inputs.identifier, "grownext-production-app-restore");
        const source = instances(after).find((i) => i.name === "grownext-data-postgres-app-instance")!;
        assert.deepStrictEqual(r.inputs.restoreToPointInTime, { sourceDbInstanceIdentifier: `${source.name}-abc123`, restoreTime });
        assert.ok(r.dependencies!.includes(source.urn!), "the restore reads the source");
        assert.strictEqual(r.protect, true);
        assert.deepStrictEqual(
            [
                r.inputs.deletionProtection,
                r.inputs.storageEncrypted,
                r.inputs.publiclyAccessible,
                r.inputs.backupRetentionPeriod,
                r.inputs.multiAz,
            ],
            [true, true, false, 30, true],
        );
    });

    it("gives the restore a master secret of its own under the stack key, rotated on the source's schedule", () => {
        const r = instances(after).find((i) => i.inputs.restoreToPointInTime !== undefined)!;
        assert.strictEqual(r.inputs.manageMasterUserPassword, true);
        assert.strictEqual(r.inputs.masterUserSecretKmsKeyId, "arn:aws:kms:eu-west-1:123456789012:key/grownext-data-key-key-id");
        assert.ok(!("password" in r.inputs), "no master password from the program");
        const rotations = after.filter(
            (x) => x.type === "aws:secretsmanager/secretRotation:SecretRotation" && x.name.endsWith("-master-rotation"),
        );
        const own = rotations.filter((x) => x.dependencies!.includes(r.urn!));
        assert.strictEqual(own.length, 1, "one rotation on the restore's own secret");
        assert.strictEqual(own[0]!.inputs.secretId, `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!${r.name}-AbCdEf`);
        const sourceRotation = rotations.find((x) => x.name === "grownext-data-postgres-app-master-rotation")!;
        assert.deepStrictEqual(own[0]!.inputs.rotationRules, sourceRotation.inputs.rotationRules);
        // The source keeps its secret and its rotation: three rotations in all (app, identity, the restore).
        assert.strictEqual(rotations.length, 3);
    });

    it("has the app database's readers take user and password from the restore's master secret, identity's from its own", () => {
        const r = instances(after).find((i) => i.inputs.restoreToPointInTime !== undefined)!;
        const secretOfInstance = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!${name}-AbCdEf`;
        const credentialKeys = (owner: string) => {
            const es = after.find(
                (e) => e.type === "kubernetes:external-secrets.io/v1:ExternalSecret" && e.inputs.metadata.name === owner,
            )!;
            return Object.fromEntries(
                unwrap(es.inputs.spec)
                    .data.filter((d: any) => /__(username|password)$/.test(d.secretKey))
                    .map((d: any) => [d.secretKey, d.remoteRef.key]),
            );
        };
        for (const [key, ref] of Object.entries(credentialKeys("migrate-app"))) assert.strictEqual(ref, secretOfInstance(r.name), key);
        for (const [key, ref] of Object.entries(credentialKeys("roles-app"))) assert.strictEqual(ref, secretOfInstance(r.name), key);
        // The processes log in as their own roles (databaseCredentials.ts), whose secrets name the serving instance.
        const worker = credentialKeys("worker");
        assert.strictEqual(worker.TASKS_DATABASE_DIRECT_URL__password, "grownext/production/worker/db-app");
        assert.strictEqual(credentialKeys("identity").DATABASE_URL__password, "grownext/production/identity/db-identity");
        const workerSecret = after.find(
            (x) => x.type === "aws:secretsmanager/secretVersion:SecretVersion" && x.name === "grownext-data-credentials-worker-app-initial",
        )!;
        const rotationStack = after.find((x) => x.name === "grownext-data-credentials-app-rotation")!;
        assert.strictEqual(JSON.parse(unwrap(workerSecret.inputs.secretString)).masterarn, secretOfInstance(r.name));
        assert.strictEqual(rotationStack.inputs.parameters.masterSecretArn, secretOfInstance(r.name));
        // RDS Proxy, in front of the restore, logs in with the processes' own secrets only, never a master secret.
        const logins = (after.find((x) => x.type === "aws:rds/proxy:Proxy")!.inputs.auths as Array<{ secretArn: string }>).map(
            (a) => a.secretArn,
        );
        assert.ok(logins.length > 0, "the proxy has logins");
        for (const arn of logins)
            assert.match(arn, /:secret:grownext\/production\/[a-z-]+\/db-app/, "RDS Proxy logs in as a process's own role");
    });

    it("leaves the source instances exactly as they were, still protected", () => {
        const sources = (rs: RecordedResource[]) =>
            instances(rs)
                .filter((r) => r.inputs.restoreToPointInTime === undefined)
                .map((r) => ({ name: r.name, inputs: r.inputs, protect: r.protect }));
        assert.deepStrictEqual(sources(after), sources(before_));
        for (const s of sources(after)) assert.strictEqual(s.protect, true);
    });

    it("points the app database's processes at the restored instance, and identity's stay", () => {
        const host = (rs: RecordedResource[], owner: string, key: string) => /@([^/]+)\//.exec(templatesOf(rs, owner)[key]!)?.[1];
        // Production's processes reach the app database through RDS Proxy (docs/rds-proxy.md): the restore moves the
        // proxy's target and the direct URL, and the pooled URL keeps the proxy's endpoint. A database URL's host is a
        // literal of its ExternalSecret's template (components/data/aws/externalSecrets.ts), so the restore changes that spec.
        const proxy = "grownext-data-postgres-app-proxy-proxy.proxy-abc.eu-west-1.rds.amazonaws.com:5432";
        const source = "grownext-data-postgres-app-instance.abc.eu-west-1.rds.amazonaws.com:5432";
        const restored = "grownext-data-postgres-app-restore-instance.abc.eu-west-1.rds.amazonaws.com:5432";
        assert.strictEqual(host(before_, "web", "DATABASE_URL"), proxy);
        assert.strictEqual(host(after, "web", "DATABASE_URL"), proxy);
        assert.strictEqual(host(before_, "worker", "TASKS_DATABASE_DIRECT_URL"), source);
        assert.strictEqual(host(after, "worker", "TASKS_DATABASE_DIRECT_URL"), restored);
        // The migrations and roles Jobs, which have no secret of their own, follow through their templates too.
        for (const owner of ["migrate-app", "roles-app"]) {
            assert.strictEqual(host(before_, owner, "DATABASE_URL"), source, owner);
            assert.strictEqual(host(after, owner, "DATABASE_URL"), restored, owner);
        }
        const target = (list: RecordedResource[]) =>
            list.find((r) => r.type === "aws:rds/proxyTarget:ProxyTarget")!.inputs.dbInstanceIdentifier;
        assert.strictEqual(target(before_), "grownext-data-postgres-app-instance-abc123");
        assert.strictEqual(target(after), instances(after).find((i) => i.inputs.restoreToPointInTime !== undefined)!.inputs.identifier);
        // identity's own database stays where it was (its tasks URLs follow the app database, like the worker's).
        assert.strictEqual(templatesOf(after, "identity").DATABASE_URL, templatesOf(before_, "identity").DATABASE_URL);
        assert.strictEqual(templatesOf(after, "migrate-identity").DATABASE_URL, templatesOf(before_, "migrate-identity").DATABASE_URL);
        assert.match(host(after, "identity", "DATABASE_URL")!, /^grownext-data-postgres-identity-instance\./);
    });

    it("watches the restored instance like its source", () => {
        const r = instances(after).find((i) => i.inputs.restoreToPointInTime !== undefined)!;
        const metrics = after
            .filter((a) => a.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && a.dependencies!.includes(r.urn!))
            .map((a) => a.inputs.metricName)
            .sort();
        assert.deepStrictEqual(metrics, [
            "CPUUtilization",
            "DatabaseConnections",
            "DiskQueueDepth",
            "FreeStorageSpace",
            "FreeableMemory",
            "TransactionLogsDiskUsage",
        ]);
        assert.ok(after.some((e) => e.type === "aws:rds/eventSubscription:EventSubscription" && e.dependencies!.includes(r.urn!)));
    });
});
