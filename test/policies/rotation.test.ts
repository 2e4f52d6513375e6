import { noLiteralK8sSecretsOnAws } from "../../policies/secrets/no-literal-k8s-secrets-on-aws";
import { secretStoreOwnServiceAccount } from "../../policies/secrets/secret-store-own-service-account";
import { assertClean, assertReports } from "./assertions";
import { compliantStack, esoSecretStore, mutate, processSecret } from "../fixtures/policyResources";

describe("no-literal-k8s-secrets-on-aws", () => {
    it("passes an AWS stack whose Secrets come from ESO, and a local stack that writes its own", async () => {
        await assertClean(noLiteralK8sSecretsOnAws, compliantStack("production"));
        await assertClean(noLiteralK8sSecretsOnAws, compliantStack("local"));
    });
    it("reports a Secret with stringData on an AWS stack, naming it and the fix", async () => {
        await assertReports(
            noLiteralK8sSecretsOnAws,
            [...compliantStack("staging"), processSecret("web", "staging")],
            /Kubernetes Secret "web-env" carries literal values \(stringData\) on an AWS stack; put them in the process's Secrets Manager secret/,
        );
    });
    it("reports base64 data too, and passes an empty Secret", async () => {
        const data = mutate(processSecret("worker", "production"), (p) => {
            delete p.stringData;
            p.data = { DATABASE_URL: "cG9zdGdyZXM6Ly8=" };
        });
        await assertReports(
            noLiteralK8sSecretsOnAws,
            [...compliantStack("production"), data],
            /"worker-env" carries literal values \(data\)/,
        );
        const empty = mutate(processSecret("worker", "production"), (p) => {
            p.stringData = {};
        });
        await assertClean(noLiteralK8sSecretsOnAws, [...compliantStack("production"), empty]);
    });
});

describe("secret-store-own-service-account", () => {
    it("passes a store authenticated as its own process's ServiceAccount", async () => {
        await assertClean(secretStoreOwnServiceAccount, esoSecretStore("web"));
    });
    it("reports a store that authenticates as another process's ServiceAccount", async () => {
        await assertReports(
            secretStoreOwnServiceAccount,
            mutate(esoSecretStore("web"), (p) => {
                p.spec.provider.aws.auth.jwt.serviceAccountRef.name = "worker";
            }),
            /SecretStore "web" authenticates as ServiceAccount "worker"; each store authenticates as its own process's ServiceAccount/,
        );
    });
    it("reports static keys, the operator's own identity, another namespace and an assumed role", async () => {
        await assertReports(
            secretStoreOwnServiceAccount,
            mutate(esoSecretStore("web"), (p) => {
                p.spec.provider.aws.auth = { secretRef: { accessKeyIDSecretRef: { name: "k", key: "id" } } };
            }),
            /static keys \(auth\.secretRef\)/,
        );
        await assertReports(
            secretStoreOwnServiceAccount,
            mutate(esoSecretStore("web"), (p) => {
                delete p.spec.provider.aws.auth;
            }),
            /runs as the operator's own identity/,
        );
        await assertReports(
            secretStoreOwnServiceAccount,
            mutate(esoSecretStore("web"), (p) => {
                p.spec.provider.aws.auth.jwt.serviceAccountRef.namespace = "external-secrets";
            }),
            /namespace "external-secrets"; use the store's own namespace/,
        );
        await assertReports(
            secretStoreOwnServiceAccount,
            mutate(esoSecretStore("web"), (p) => {
                p.spec.provider.aws.role = "arn:aws:iam::123456789012:role/all";
            }),
            /assumes the extra role/,
        );
    });
    it("reports a store of another provider", async () => {
        await assertReports(
            secretStoreOwnServiceAccount,
            mutate(esoSecretStore("web"), (p) => {
                p.spec.provider = { vault: { server: "https://v" } };
            }),
            /must use the aws provider only/,
        );
    });
});
