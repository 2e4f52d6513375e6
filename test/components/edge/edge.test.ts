import * as assert from "assert";
import type { Edge as EdgeType } from "../../../components/edge/edge";
import { installMocks, recorder, settle } from "../../../sandbox/mocks";

describe("Edge", () => {
    let Edge: typeof EdgeType;
    before(async () => {
        installMocks();
        ({ Edge } = await import("../../../components/edge/edge"));
    });
    beforeEach(() => recorder.reset());

    const routes = [
        { process: "web", host: "api.example.com", serviceName: "web", servicePort: 80 },
        { process: "identity", host: "identity.example.com", serviceName: "identity", servicePort: 80 },
        { process: "portal", host: "portal.example.com", serviceName: "portal", servicePort: 80 },
    ];

    function declare(overrides: Partial<ConstructorParameters<typeof EdgeType>[1]> = {}) {
        return new Edge("edge", {
            namespace: "grownext",
            routes,
            ingressClassName: "nginx",
            clusterIssuer: "letsencrypt-production",
            hstsMaxAgeSeconds: 31536000,
            ...overrides,
        });
    }

    it("declares one Ingress per public surface with TLS for its host from the cert-manager issuer", async () => {
        const edge = declare();
        await settle();
        const ingresses = recorder.ofType("kubernetes:networking.k8s.io/v1:Ingress");
        assert.deepStrictEqual(ingresses.map((i) => i.name).sort(), ["edge-identity", "edge-portal", "edge-web"]);
        for (const ingress of ingresses) {
            const spec = ingress.inputs.spec;
            const host = spec.rules[0].host;
            assert.deepStrictEqual(spec.tls[0].hosts, [host]);
            assert.strictEqual(ingress.inputs.metadata.annotations["cert-manager.io/cluster-issuer"], "letsencrypt-production");
            assert.strictEqual(ingress.inputs.metadata.annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"], "true");
            assert.strictEqual(spec.ingressClassName, "nginx");
        }
        assert.deepStrictEqual(
            edge.ingresses.map((i) => [i.process, i.host]),
            routes.map((r) => [r.process, r.host]),
        );
    });

    it("gives a watched path an exact Ingress path of its own ahead of the prefix, to the same backend", async () => {
        declare({ routes: [{ ...routes[0]!, watchedPaths: ["/api/v1/stripe/webhook"] }, routes[1]!] });
        await settle();
        const web = recorder.one("kubernetes:networking.k8s.io/v1:Ingress", "edge-web").inputs.spec.rules[0].http.paths;
        assert.deepStrictEqual(
            web.map((p: any) => [p.path, p.pathType]),
            [
                ["/api/v1/stripe/webhook", "Exact"],
                ["/", "Prefix"],
            ],
        );
        assert.deepStrictEqual(web[0].backend, web[1].backend);
        const identity = recorder.one("kubernetes:networking.k8s.io/v1:Ingress", "edge-identity").inputs.spec.rules[0].http.paths;
        assert.deepStrictEqual(
            identity.map((p: any) => p.path),
            ["/"],
        );
    });

    it("sends HSTS from a headers ConfigMap that every Ingress references", async () => {
        declare({ hstsMaxAgeSeconds: 63072000 });
        await settle();
        const headers = recorder.one("kubernetes:core/v1:ConfigMap", "edge-security-headers");
        assert.strictEqual(headers.inputs.data["Strict-Transport-Security"], "max-age=63072000; includeSubDomains");
        for (const ingress of recorder.ofType("kubernetes:networking.k8s.io/v1:Ingress")) {
            assert.strictEqual(
                ingress.inputs.metadata.annotations["nginx.ingress.kubernetes.io/custom-headers"],
                "grownext/edge-security-headers-abc123",
            );
        }
    });

    it("refuses an HSTS max-age under 180 days and two surfaces on one host", () => {
        assert.throws(() => declare({ hstsMaxAgeSeconds: 3600 }), /edge.hstsMaxAgeSeconds must be at least 15552000/);
        assert.throws(
            () => declare({ routes: [routes[0]!, { ...routes[1]!, host: "api.example.com" }] }),
            /share the host api.example.com/,
        );
    });
});
