/**
 * How the loader learns which values were stored with --secret: per leaf from the stack file, per
 * top-level key from the runtime where the file does not say. Fake ciphertexts: only the shape of
 * `secure:` entries matters here.
 */
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigError } from "../../config/errors";
import { plaintextOracle, stackFileStorage, validateConfig } from "../../config/load";
import { stackValues } from "../../sandbox/stacks";

const cipher = () => `v1:${Buffer.from(String(Math.random())).toString("base64")}`;

function writeStackFile(text: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "grownext-stack-"));
    const file = path.join(dir, "Pulumi.production.yaml");
    fs.writeFileSync(file, text);
    return file;
}

describe("config storage: which values were stored with --secret", () => {
    const file = writeStackFile(
        [
            "config:",
            "  grownext:environment: production",
            "  grownext:stripeSecretKey:",
            `    secure: ${cipher()}`,
            "  grownext:oauthClientSecrets:",
            "    GITHUB_CLIENT_SECRET:",
            `      secure: ${cipher()}`,
            "    GOOGLE_CLIENT_SECRET: plain-text-value",
            "  grownext:kubernetes:",
            "    namespace: grownext",
            "    kubeconfig:",
            `      secure: ${cipher()}`,
            "  other:key: x",
        ].join("\n"),
    );

    it("reads each leaf's storage from the stack file", () => {
        const storage = stackFileStorage(file)!;
        assert.strictEqual(storage("stripeSecretKey"), true);
        assert.strictEqual(storage("oauthClientSecrets"), false);
        assert.strictEqual(storage("oauthClientSecrets.GITHUB_CLIENT_SECRET"), true);
        assert.strictEqual(storage("oauthClientSecrets.GOOGLE_CLIENT_SECRET"), false);
        assert.strictEqual(storage("kubernetes.kubeconfig"), true);
        assert.strictEqual(storage("kubernetes.namespace"), false);
        assert.strictEqual(storage("sentryDsn"), undefined);
    });

    it("trusts the file over the runtime's per-key flag, and the runtime where the file is silent", () => {
        // The runtime flags a whole top-level key as secret as soon as one leaf is.
        const runtimeSecret = new Set(["stripeSecretKey", "oauthClientSecrets", "kubernetes", "sentryDsn"]);
        const isPlaintext = plaintextOracle(stackFileStorage(file), (k) => runtimeSecret.has(k));
        assert.strictEqual(isPlaintext("oauthClientSecrets"), true);
        assert.strictEqual(isPlaintext("oauthClientSecrets.GOOGLE_CLIENT_SECRET"), true);
        assert.strictEqual(isPlaintext("oauthClientSecrets.GITHUB_CLIENT_SECRET"), false);
        assert.strictEqual(isPlaintext("sentryDsn"), false, "not in the file: the runtime says secret");
        assert.strictEqual(isPlaintext("domain"), true);
        const noFile = plaintextOracle(stackFileStorage(path.join(path.dirname(file), "missing.yaml")), (k) => runtimeSecret.has(k));
        assert.strictEqual(noFile("oauthClientSecrets"), false, "without the file, the per-key flag");
    });

    it("refuses the plaintext entry of a secret map read this way, without printing it", () => {
        const isPlaintext = plaintextOracle(stackFileStorage(file), () => true);
        const { values } = stackValues("production", {
            oauthClientSecrets: { GITHUB_CLIENT_SECRET: "gh-value-0001", GOOGLE_CLIENT_SECRET: "plain-text-value" },
        });
        let message = "";
        try {
            validateConfig(values, {
                project: "grownext",
                stack: "production",
                isPlaintext: (k) =>
                    k === "stripeSecretKey" ||
                    k === "stripeWebhookSecret" ||
                    k === "supabaseServiceRoleKey" ||
                    k === "identityJwtPrivateKey"
                        ? false
                        : isPlaintext(k),
            });
        } catch (err) {
            assert.ok(err instanceof ConfigError);
            message = err.message;
        }
        assert.match(message, /^ {2}- oauthClientSecrets\.GOOGLE_CLIENT_SECRET must be set with --secret/m);
        assert.doesNotMatch(message, /oauthClientSecrets\.GITHUB_CLIENT_SECRET must/);
        assert.ok(!message.includes("plain-text-value"));
    });
});
