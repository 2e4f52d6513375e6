/**
 * What is left in a process's own Secrets Manager secret on AWS stacks once every value a rotation
 * owns is borrowed: only what a third party issues, so the secret is tagged `issued`, secrets-rotate's
 * one exception. Connection details with no credential (where the queue's Redis is) are text in the
 * ExternalSecret's template instead of stored values. Checked on the pure parts both ways and on the
 * production graph, whose FSBP review (scripts/secretsReview.ts) then fails on issued secrets only.
 */
import * as assert from "assert";
import { envMatrix, oauthClientSecretPattern } from "../../../../catalog/envMatrix";
import { issuedKind, secretKindTag } from "../../../../catalog/labels";
import { externalSecretMapping, remoteSecretValues } from "../../../../components/data/aws/externalSecrets";
import { issuedValues } from "../../../../components/platform";
import { reviewSecrets } from "../../../../scripts/secretsReview";
import { connectionDetailRefs } from "../../../../wiring/dataContract";
import { installMocks, isSecretInput, unwrap, type RecordedResource } from "../../../../sandbox/mocks";

const own = "grownext/production/web";

describe("connection details as template text, issued values as the only stored ones: the pure parts", () => {
    it("writes a literal value into the template whole, reading nothing for it", () => {
        const m = externalSecretMapping(own, ["QUEUE_REDIS_HOST", "STRIPE_SECRET_KEY"], [], {}, {}, { QUEUE_REDIS_HOST: "q.cache:6379" });
        assert.deepStrictEqual(
            m.data.map((d) => [d.secretKey, d.remoteRef]),
            [["STRIPE_SECRET_KEY", { key: own, property: "STRIPE_SECRET_KEY" }]],
        );
        assert.strictEqual(m.template.QUEUE_REDIS_HOST, "q.cache:6379");
        assert.strictEqual(m.template.STRIPE_SECRET_KEY, "{{ .STRIPE_SECRET_KEY }}");
        // Nothing of it is stored either.
        assert.deepStrictEqual(
            Object.keys(remoteSecretValues({ QUEUE_REDIS_HOST: "h", STRIPE_SECRET_KEY: "FAKE" }, [], {}, ["QUEUE_REDIS_HOST"])),
            ["STRIPE_SECRET_KEY"],
        );
    });

    it("refuses a literal value that is also a URL, or that a Go template would read as an action", () => {
        assert.throws(
            () => externalSecretMapping(own, ["REDIS_URL"], ["REDIS_URL"], {}, {}, { REDIS_URL: "x" }),
            /REDIS_URL is written as text/,
        );
        assert.throws(
            () => externalSecretMapping(own, ["QUEUE_REDIS_HOST"], [], {}, {}, { QUEUE_REDIS_HOST: "{{ .x }}" }),
            (e: Error) => /QUEUE_REDIS_HOST: its value holds/.test(e.message) && !e.message.includes(".x"),
        );
    });

    it("keeps issued values (encrypted config, OAuth client secrets) and refuses anything else by name", () => {
        const issued = { STRIPE_SECRET_KEY: 1, SUPABASE_SERVICE_ROLE_KEY: 2, GITHUB_CLIENT_SECRET: 3 };
        assert.deepStrictEqual(issuedValues("web", issued), issued);
        assert.throws(
            () => issuedValues("worker", { ...issued, QUEUE_REDIS_PASSWORD: 4, QUEUE_REDIS_HOST: 5 }),
            /worker's own secret would hold QUEUE_REDIS_HOST, QUEUE_REDIS_PASSWORD, which no third party issues: borrow it/,
        );
        // A process's own services.<name>.secretEnv (a vendor's API key) is encrypted config too.
        assert.deepStrictEqual(issuedValues("web", { OPENAI_API_KEY: 1 }, ["OPENAI_API_KEY"]), { OPENAI_API_KEY: 1 });
        assert.throws(() => issuedValues("web", { OPENAI_API_KEY: 1 }), /web's own secret would hold OPENAI_API_KEY/);
    });
});

describe("issued secrets on the production graph", () => {
    let resources: RecordedResource[];
    before(async () => {
        installMocks({ stack: "production" });
        const { evaluateStack } = await import("../../../../sandbox/evaluate");
        resources = await evaluateStack("production");
    });

    const issuedKey = (k: string) =>
        envMatrix.some((r) => r.name === k && r.source.kind === "configSecret") || oauthClientSecretPattern.test(k);

    it("stores only issued values in the secrets tagged issued, and tags every secret a process owns", () => {
        const secrets = resources.filter((r) => r.type === "aws:secretsmanager/secret:Secret");
        const issued = secrets.filter((s) => s.inputs.tags?.[secretKindTag] === issuedKind);
        assert.deepStrictEqual(issued.map((s) => s.inputs.name).sort(), [
            "grownext/production/identity",
            "grownext/production/web",
            "grownext/production/worker",
        ]);
        for (const s of issued) {
            const version = resources.find(
                (r) => r.type === "aws:secretsmanager/secretVersion:SecretVersion" && r.name === `${s.name}-version`,
            )!;
            const keys = Object.keys(JSON.parse(unwrap<string>(version.inputs.secretString)) as Record<string, unknown>);
            assert.ok(keys.length > 0, `${s.name} holds something`);
            for (const k of keys) assert.ok(issuedKey(k), `${s.inputs.name} holds ${k}, which no third party issues`);
        }
    });

    it("writes where the queue's Redis is into each ExternalSecret as text, in a secret spec", () => {
        const detailKeys = envMatrix
            .filter((r) => r.source.kind === "data" && connectionDetailRefs.includes(r.source.ref as never))
            .map((r) => r.name);
        assert.deepStrictEqual(detailKeys.sort(), ["QUEUE_REDIS_HOST", "QUEUE_REDIS_PORT", "QUEUE_REDIS_TLS"]);
        let seen = 0;
        for (const es of resources.filter((r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret")) {
            const spec = unwrap(es.inputs.spec);
            for (const k of detailKeys.filter((k) => k in spec.target.template.data)) {
                assert.ok(isSecretInput(es.inputs.spec), `${es.name}: the spec holding ${k} is secret`);
                assert.ok(!spec.data.some((d: { secretKey: string }) => d.secretKey === k), `${es.name} reads ${k} from no secret`);
                assert.doesNotMatch(spec.target.template.data[k], /\{\{/);
                seen++;
            }
        }
        assert.ok(seen >= 3 * 5, `connection details written as text: ${seen}`);
    });

    it("leaves an FSBP review (SecretsManager.1 and .4) failing on the issued secrets only", () => {
        const reviewed = reviewSecrets(resources);
        const failing = reviewed.filter((s) => !s.rotates || !s.withinMaxDays);
        assert.deepStrictEqual(failing.map((s) => [s.secret, s.kind]).sort(), [
            ["grownext/production/identity", issuedKind],
            ["grownext/production/web", issuedKind],
            ["grownext/production/worker", issuedKind],
        ]);
        assert.ok(reviewed.length - failing.length >= 12, `rotating secrets: ${reviewed.length - failing.length}`);
    });
});
