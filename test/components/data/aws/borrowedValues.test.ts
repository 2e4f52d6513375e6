/**
 * Env values borrowed from another secret (wiring/dataContract.ts `BorrowedValue`): a whole value
 * (`QUEUE_REDIS_PASSWORD`, a signing key) or a URL's password with the empty Redis user. What the
 * owner's secret holds, what its ExternalSecret reads and from where, what its role may read, and
 * what is refused. Database URL credentials, the other use, are in urlCredentials.test.ts.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import type { ExternalSecrets as ExternalSecretsType } from "../../../../components/data/aws/externalSecrets";
import {
    borrowedProperties,
    externalSecretMapping,
    remoteSecretValues,
    urlParts,
    urlPartProperty,
} from "../../../../components/data/aws/externalSecrets";
import { borrowedSecretArns, redisUrl, type BorrowedValue } from "../../../../wiring/dataContract";
import { installMocks, recorder, settle, unwrap } from "../../../../sandbox/mocks";

const own = "grownext/production/worker";
const tokenSecret = { name: "grownext/production/redis-queue", arn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:redis-queue" };
const esoExternal = "kubernetes:external-secrets.io/v1:ExternalSecret";

/** Resolves every value of a record of Inputs. */
async function resolve(values: Record<string, pulumi.Input<string>>): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(values)) out[k] = await new Promise<string>((r) => pulumi.output(v).apply(r));
    return out;
}

/** The Go-template reading the ExternalSecret templates need (`{{ .k }}`, `{{ .k | urlquery }}`). */
function render(template: string, values: Record<string, string>): string {
    return template.replace(/\{\{ \.([A-Za-z0-9_]+)( \| urlquery)? \}\}/g, (_m, key: string, q?: string) => {
        const v = values[key];
        if (v === undefined) throw new Error(`template reads ${key}, which no data entry provides`);
        return q ? encodeURIComponent(v) : v;
    });
}

describe("Borrowed env values: the pure parts", () => {
    const token = crypto.randomBytes(32).toString("hex");
    const url = redisUrl({ password: token, host: "master.queue.cache.amazonaws.com", port: 6379, tls: true });
    // Names resolved, as the component hands them to the mapping (plain strings are Inputs too).
    const borrowed: Record<string, pulumi.Unwrap<BorrowedValue>> = {
        QUEUE_REDIS_PASSWORD: { value: { secret: tokenSecret, property: "password" } },
        REDIS_URL: { url: { password: { secret: tokenSecret, property: "password" } } },
    };

    it("keeps the borrowed value and the borrowed URL password out of the owner's secret, and everything else in", async () => {
        const stored = await resolve(
            remoteSecretValues({ REDIS_URL: url, QUEUE_REDIS_PASSWORD: token, QUEUE_REDIS_HOST: "h" }, ["REDIS_URL"], borrowed),
        );
        assert.deepStrictEqual(
            Object.keys(stored).sort(),
            ["QUEUE_REDIS_HOST", ...urlParts.filter((p) => p !== "password").map((p) => urlPartProperty("REDIS_URL", p))].sort(),
        );
        assert.ok(!Object.values(stored).some((v) => v.includes(token)), "the token is stored nowhere in the owner's secret");
        // The Redis user is the empty one; it stays in the owner's secret, as a plain part.
        assert.strictEqual(stored.REDIS_URL__username, "");
    });

    it("reads each borrowed property from the other secret, and rebuilds rediss://:token@host:6379", async () => {
        const keys = ["QUEUE_REDIS_HOST", "QUEUE_REDIS_PASSWORD", "REDIS_URL"];
        const m = externalSecretMapping(own, keys, ["REDIS_URL"], borrowed);
        const refs = Object.fromEntries(m.data.map((d) => [d.secretKey, d.remoteRef]));
        assert.deepStrictEqual(refs.QUEUE_REDIS_PASSWORD, { key: tokenSecret.name, property: "password" });
        assert.deepStrictEqual(refs.REDIS_URL__password, { key: tokenSecret.name, property: "password" });
        assert.deepStrictEqual(refs.REDIS_URL__username, { key: own, property: "REDIS_URL__username" });
        assert.deepStrictEqual(refs.QUEUE_REDIS_HOST, { key: own, property: "QUEUE_REDIS_HOST" });
        // The template is the one an unborrowed key gets: only where the values come from differs.
        assert.deepStrictEqual(m.template, externalSecretMapping(own, keys, ["REDIS_URL"]).template);

        // What ESO hands the template: the owner's properties, plus the other secret's password under the borrowed names.
        const stored = await resolve(
            remoteSecretValues({ REDIS_URL: url, QUEUE_REDIS_PASSWORD: token, QUEUE_REDIS_HOST: "h" }, ["REDIS_URL"], borrowed),
        );
        const remote: Record<string, Record<string, string>> = { [own]: stored, [tokenSecret.name]: { password: token } };
        const values = Object.fromEntries(m.data.map((d) => [d.secretKey, remote[d.remoteRef.key]![d.remoteRef.property]!]));
        assert.strictEqual(render(m.template.REDIS_URL!, values), url);
        assert.strictEqual(render(m.template.QUEUE_REDIS_PASSWORD!, values), token);
    });

    it("refuses a whole value on a URL key and URL parts on a plain key, naming the key and the fix", () => {
        assert.throws(
            () => borrowedProperties("REDIS_URL", true, { value: { secret: tokenSecret, property: "password" } }),
            /REDIS_URL is a connection URL: borrow its user and password \(\{ url: \.\.\. \}\)/,
        );
        assert.throws(
            () => borrowedProperties("QUEUE_REDIS_PASSWORD", false, { url: { password: { secret: tokenSecret, property: "password" } } }),
            /QUEUE_REDIS_PASSWORD is not a connection URL: borrow its whole value/,
        );
        assert.deepStrictEqual(borrowedProperties("K", false, { value: { secret: tokenSecret, property: "p" } }), {
            K: { secret: tokenSecret, property: "p" },
        });
    });

    it("lists the secrets borrowed from, for the owner's role", () => {
        const other = { name: "o", arn: "arn:o" };
        assert.deepStrictEqual(borrowedSecretArns(borrowed), [tokenSecret.arn, tokenSecret.arn]);
        assert.deepStrictEqual(
            borrowedSecretArns({
                A: { url: { username: { secret: other, property: "username" }, password: { secret: tokenSecret, property: "password" } } },
            }),
            ["arn:o", tokenSecret.arn],
        );
        assert.deepStrictEqual(borrowedSecretArns({}), []);
    });
});

describe("Borrowed env values: the ExternalSecrets component", () => {
    let ExternalSecrets: typeof ExternalSecretsType;

    before(async () => {
        installMocks();
        ({ ExternalSecrets } = await import("../../../../components/data/aws/externalSecrets"));
    });
    beforeEach(() => recorder.reset());

    const args = (borrowed: Record<string, BorrowedValue>, keys = ["QUEUE_REDIS_PASSWORD", "REDIS_URL"]) => ({
        namespace: "grownext",
        region: "eu-west-1",
        refreshInterval: "1h",
        apiVersion: "external-secrets.io/v1",
        secrets: [{ owner: "worker", remoteName: own, keys, urlKeys: ["REDIS_URL"], borrowed, targetName: "worker-env", labels: {} }],
    });

    it("reads a borrowed whole value from the other secret, its name resolved from an Output", async () => {
        new ExternalSecrets(
            "t",
            args({
                QUEUE_REDIS_PASSWORD: {
                    value: { secret: { name: pulumi.output(tokenSecret.name), arn: tokenSecret.arn }, property: "password" },
                },
            }),
        );
        await settle();
        const spec = unwrap(recorder.one(esoExternal, "t-worker").inputs.spec);
        const refs = Object.fromEntries(
            (spec.data as Array<{ secretKey: string; remoteRef: unknown }>).map((d) => [d.secretKey, d.remoteRef]),
        );
        assert.deepStrictEqual(refs.QUEUE_REDIS_PASSWORD, { key: tokenSecret.name, property: "password" });
        assert.deepStrictEqual(refs.REDIS_URL__password, { key: own, property: "REDIS_URL__password" });
        // The template is the one an owned value gets.
        assert.strictEqual(spec.target.template.data.QUEUE_REDIS_PASSWORD, "{{ .QUEUE_REDIS_PASSWORD }}");
    });

    it("refuses a borrowed key the owner does not have, and a borrowing of the wrong shape", () => {
        assert.throws(
            () => new ExternalSecrets("stray", args({ JWT_PRIVATE_KEY: { value: { secret: tokenSecret, property: "privateKey" } } })),
            /ExternalSecrets stray: worker borrows JWT_PRIVATE_KEY, which are not among its keys/,
        );
        assert.throws(
            () => new ExternalSecrets("shape", args({ REDIS_URL: { value: { secret: tokenSecret, property: "password" } } })),
            /ExternalSecrets shape: worker: REDIS_URL is a connection URL/,
        );
    });
});
