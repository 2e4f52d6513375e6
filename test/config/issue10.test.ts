/**
 * Every dangerous config of issue 10, one test each: refused, naming the key the user wrote, and
 * printing no secret. These use only validateConfig and the stack helpers, so they also run (and
 * fail) against the code before the fix.
 */
import * as assert from "assert";
import * as crypto from "crypto";
import { ConfigError } from "../../config/errors";
import { validateConfig } from "../../config/load";
import { stackValues, testKeyPair } from "../../sandbox/stacks";

type Stack = "local" | "staging" | "production";

/** The error output of a stack with overrides; `encrypted` lists keys stored with --secret. */
function outputOf(
    stack: Stack,
    overrides: Record<string, unknown>,
    opts: { encrypted?: string[]; plaintext?: string[]; stackName?: string } = {},
): string {
    const base = stackValues(stack, overrides);
    const isPlaintext = (key: string) => {
        if (opts.encrypted?.includes(key)) return false;
        if (opts.plaintext?.includes(key)) return true;
        return base.isPlaintext(key);
    };
    try {
        validateConfig(base.values, { project: "grownext", stack: opts.stackName ?? stack, isPlaintext });
    } catch (err) {
        if (err instanceof ConfigError) return err.message;
        throw err;
    }
    return "";
}

function assertRefused(output: string, key: string, ...fragments: RegExp[]): void {
    const lines = output.split("\n").filter((l) => l.startsWith(`  - ${key} `));
    assert.ok(lines.length > 0, `expected a problem for ${key}, got:\n${output || "(accepted)"}`);
    for (const f of fragments)
        assert.ok(
            lines.some((l) => f.test(l)),
            `expected ${f} under ${key}, got:\n${lines.join("\n")}`,
        );
}

const marker = () => `MRK${crypto.randomBytes(6).toString("hex")}`;
const b64url = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
/** A Supabase-style JWT (unsigned: only the claims matter), built at run time. */
const supabaseJwt = (role: string, extra = "") =>
    [b64url({ alg: "HS256", typ: "JWT" }), b64url({ iss: "supabase", ref: "abcd", role, extra }), "c2lnbmF0dXJl"].join(".");

function kubeconfigWith(user: Record<string, unknown>): string {
    return [
        "apiVersion: v1",
        "kind: Config",
        "clusters:",
        "  - name: c",
        "    cluster: { server: 'https://k.example.com' }",
        "users:",
        "  - name: u",
        `    user: ${JSON.stringify(user)}`,
        "contexts:",
        "  - name: x",
        "    context: { cluster: c, user: u }",
        "current-context: x",
    ].join("\n");
}

describe("issue 10: errors never print a secret", () => {
    it("an invalid sentryDsn stored with --secret", () => {
        const m = marker();
        const out = outputOf("staging", { sentryDsn: `not a url ${m}` }, { encrypted: ["sentryDsn"] });
        assertRefused(out, "sentryDsn");
        assert.ok(!out.includes(m), out);
    });

    it("a token inside an inline kubeconfig, even when the kubeconfig is otherwise invalid", () => {
        const m = marker();
        const out = outputOf("staging", { kubernetes: { namespace: "grownext", kubeconfig: kubeconfigWith({ token: m }) } });
        assertRefused(out, "kubernetes.kubeconfig");
        assert.ok(!out.includes(m), out);
    });

    it("a private key pasted into identity.jwtPublicKey", () => {
        const pem = testKeyPair().privateKey;
        const out = outputOf("production", { identity: { jwtPublicKey: pem } });
        assertRefused(out, "identity.jwtPublicKey");
        const body = pem.split("\n")[1]!;
        assert.ok(!out.includes(body.slice(0, 20)), out);
    });

    it("any value stored with --secret, under a key the old list did not know (domain)", () => {
        const m = marker();
        const out = outputOf("local", { domain: `Bad_${m}` }, { encrypted: ["domain"] });
        assertRefused(out, "domain", /got a secret string \(\d+ characters/);
        assert.ok(!out.includes(m), out);
    });
});

describe("issue 10: production refuses what it must", () => {
    it("web autoscaled 1..1", () => {
        assertRefused(
            outputOf("production", { services: { web: { autoscale: { min: 1, max: 1 } } } }),
            "services.web.autoscale.min",
            /at least 2/,
            /floors\.ts/,
        );
    });

    it("a self-signed certificate issuer", () => {
        assertRefused(outputOf("production", { edge: { clusterIssuer: "selfsigned" } }), "edge.clusterIssuer", /self-signed or staging/);
    });

    it("a staging ACME issuer", () => {
        assertRefused(
            outputOf("production", { edge: { clusterIssuer: "letsencrypt-staging" } }),
            "edge.clusterIssuer",
            /self-signed or staging/,
        );
    });

    it("supabase.url over http", () => {
        assertRefused(outputOf("production", { supabase: { url: "http://production-project.supabase.co" } }), "supabase.url", /https/);
    });

    it("a service-role key in the anon slot, without printing it", () => {
        const m = marker();
        const out = outputOf("production", { supabase: { url: "https://abcd.supabase.co", anonKey: supabaseJwt("service_role", m) } });
        assertRefused(out, "supabase.anonKey", /service-role/);
        assert.ok(!out.includes(m) && !out.includes("eyJ"), out);
    });

    it("a JWT private key that is garbage inside PEM armour", () => {
        const garbage = ["-----BEGIN", "PRIVATE KEY-----\nbm90IGEga2V5\n-----END", "PRIVATE KEY-----"].join(" ");
        const out = outputOf("production", { identityJwtPrivateKey: garbage });
        assertRefused(out, "identityJwtPrivateKey", /not a private key/);
        assert.ok(!out.includes("bm90IGEga2V5"), out);
    });

    it("an EC key where RS256 is required", () => {
        const ec = crypto.generateKeyPairSync("ec", {
            namedCurve: "P-256",
            privateKeyEncoding: { type: "pkcs8", format: "pem" },
            publicKeyEncoding: { type: "spki", format: "pem" },
        });
        assertRefused(outputOf("production", { identityJwtPrivateKey: ec.privateKey }), "identityJwtPrivateKey", /RSA/);
    });

    it("an RSA key under 2048 bits", () => {
        const small = crypto.generateKeyPairSync("rsa", {
            modulusLength: 1024,
            privateKeyEncoding: { type: "pkcs8", format: "pem" },
            publicKeyEncoding: { type: "spki", format: "pem" },
        });
        assertRefused(
            outputOf("production", { identityJwtPrivateKey: small.privateKey, identity: { jwtPublicKey: small.publicKey } }),
            "identityJwtPrivateKey",
            /2048/,
        );
    });

    it("a public key from another key pair", () => {
        const other = crypto.generateKeyPairSync("rsa", {
            modulusLength: 2048,
            privateKeyEncoding: { type: "pkcs8", format: "pem" },
            publicKeyEncoding: { type: "spki", format: "pem" },
        });
        assertRefused(outputOf("production", { identity: { jwtPublicKey: other.publicKey } }), "identity.jwtPublicKey", /public half/);
    });

    it("a secret map with one plaintext entry next to encrypted ones", () => {
        const m = marker();
        const out = outputOf(
            "production",
            { oauthClientSecrets: { GITHUB_CLIENT_SECRET: `gh-${m}`, GOOGLE_CLIENT_SECRET: `go-${m}` } },
            {
                encrypted: ["oauthClientSecrets.GITHUB_CLIENT_SECRET"],
                plaintext: ["oauthClientSecrets"],
            },
        );
        assertRefused(out, "oauthClientSecrets.GOOGLE_CLIENT_SECRET", /--secret/);
        assert.ok(!out.includes("  - oauthClientSecrets.GITHUB_CLIENT_SECRET "), out);
        assert.ok(!out.includes(m), out);
    });

    it("a kubeconfig token stored in plaintext", () => {
        const m = marker();
        const out = outputOf(
            "production",
            { kubernetes: { namespace: "grownext", kubeconfig: kubeconfigWith({ token: m }) } },
            { plaintext: ["kubernetes"] },
        );
        assertRefused(out, "kubernetes.kubeconfig", /--secret/);
        assert.ok(!out.includes(m), out);
    });
});

describe("issue 10: what only the cluster or AWS would reject", () => {
    it("requests above limits", () => {
        const resources = { requests: { cpu: "2", memory: "512Mi" }, limits: { cpu: "500m", memory: "1Gi" } };
        assertRefused(
            outputOf("staging", { services: { web: { resources } } }),
            "services.web.resources.requests.cpu",
            /at most services\.web\.resources\.limits\.cpu/,
        );
    });

    it("an ingress class that is not a DNS name", () => {
        assertRefused(outputOf("staging", { edge: { ingressClassName: "Nginx Public" } }), "edge.ingressClassName", /DNS-1123/);
    });

    it("duplicate subnets", () => {
        const v = stackValues("staging").values as { data: { aws: { privateSubnetIds: string[] } } };
        const aws = { ...v.data.aws, privateSubnetIds: [v.data.aws.privateSubnetIds[0], v.data.aws.privateSubnetIds[0]] };
        assertRefused(outputOf("staging", { data: { ...v.data, aws } }), "data.aws.privateSubnetIds.1", /repeats item 0/);
    });

    it("a region that contradicts the OIDC provider ARN", () => {
        const v = stackValues("staging").values as { data: { aws: Record<string, unknown> } };
        const aws = { ...v.data.aws, region: "us-east-1" };
        assertRefused(outputOf("staging", { data: { ...v.data, aws } }), "data.aws.clusterOidcProviderArn", /another region/);
    });

    it("a whitespace context", () => {
        assertRefused(outputOf("staging", { kubernetes: { namespace: "grownext", context: "   " } }), "kubernetes.context");
    });

    it("a stack file that says staging inside Pulumi.production.yaml", () => {
        assertRefused(outputOf("staging", {}, { stackName: "production" }), "environment", /stack's name/);
    });
});

describe("issue 10: errors name the key the user wrote", () => {
    it("autoscale on a singleton is reported under services.<p>.autoscale", () => {
        const out = outputOf("local", { services: { scheduler: { autoscale: { min: 1, max: 2 } } } });
        assertRefused(out, "services.scheduler.autoscale", /singleton/);
        assert.ok(!out.includes("services.scheduler.replicas"), out);
    });

    it("an integer above 2^53 reports a numeric bound, not characters", () => {
        const out = outputOf("local", { services: { worker: { replicas: 2 ** 53 + 2 } } }, { plaintext: ["services"] });
        assertRefused(out, "services.worker.replicas", /must be at most 100/);
        assert.ok(!/characters/.test(out), out);
    });
});
