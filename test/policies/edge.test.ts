import { strict as assert } from "assert";
import { hstsMaxAge, ingressHsts } from "../../policies/edge/ingress-hsts";
import { ingressTls, tlsCovers } from "../../policies/edge/ingress-tls";
import { assertClean, assertReports } from "./assertions";
import { hstsConfigMapProps, ingressProps, mutate, traefikMiddlewareProps, types } from "../fixtures/policyResources";
import { resource, UNKNOWN_VALUE } from "./harness";

const ingress = () => resource(types.ingress, "grownext", ingressProps());
const headers = () => resource(types.configMap, "security-headers", hstsConfigMapProps());
const traefikIngress = () =>
    mutate(ingress(), (p) => {
        p.metadata.annotations = { "traefik.ingress.kubernetes.io/router.middlewares": "grownext-hsts@kubernetescrd" };
    });
const middleware = (sts?: number) => resource(types.middleware, "hsts", traefikMiddlewareProps(sts));

describe("ingress-tls", () => {
    it("passes an Ingress whose TLS lists every host", async () => {
        await assertClean(ingressTls, ingress());
    });
    it("reports a host missing from spec.tls", async () => {
        await assertReports(
            ingressTls,
            mutate(ingress(), (p) => p.spec.tls[0].hosts.pop()),
            /Host portal\.example\.com is not covered by spec\.tls; add the host to spec\.tls\[\]\.hosts/,
        );
    });
    it("reports an Ingress without TLS", async () => {
        await assertReports(
            ingressTls,
            mutate(ingress(), (p) => delete p.spec.tls),
            /not covered by spec\.tls/,
        );
    });
    it("accepts a wildcard certificate for one label only", async () => {
        await assertClean(
            ingressTls,
            mutate(ingress(), (p) => (p.spec.tls = [{ hosts: ["*.example.com"], secretName: "wild" }])),
        );
        assert.equal(tlsCovers("*.example.com", "a.b.example.com"), false);
        assert.equal(tlsCovers("*.example.com", "example.com"), false);
    });
    it("reports a rule without a host", async () => {
        await assertReports(
            ingressTls,
            mutate(ingress(), (p) => delete p.spec.rules[0].host),
            /has no host/,
        );
    });
    it("reports TLS hosts unknown during preview", async () => {
        await assertReports(
            ingressTls,
            mutate(ingress(), (p) => (p.spec.tls[0].hosts = UNKNOWN_VALUE)),
            /unknown during preview/,
        );
    });
});

describe("ingress-hsts", () => {
    it("passes the ingress-nginx form: custom-headers ConfigMap and force-ssl-redirect", async () => {
        await assertClean(ingressHsts, [ingress(), headers()]);
    });
    it("passes the Traefik form: a headers Middleware with stsSeconds", async () => {
        await assertClean(ingressHsts, [traefikIngress(), middleware()]);
    });
    it("reports an Ingress without HSTS", async () => {
        await assertReports(
            ingressHsts,
            [mutate(ingress(), (p) => (p.metadata.annotations = {}))],
            /declares no HSTS; add nginx\.ingress\.kubernetes\.io\/custom-headers/,
        );
    });
    it("reports a custom-headers ConfigMap missing from the stack", async () => {
        await assertReports(ingressHsts, [ingress()], /names ConfigMap "grownext\/security-headers", which is not declared in this stack/);
    });
    it("finds an auto-named ConfigMap when only its inputs are known", async () => {
        const autoNamed = mutate(resource(types.configMap, "edge-security-headers", hstsConfigMapProps()), (p) => delete p.metadata.name);
        const pointing = mutate(
            ingress(),
            (p) => (p.metadata.annotations["nginx.ingress.kubernetes.io/custom-headers"] = "grownext/edge-security-headers-3f9c2a1b"),
        );
        await assertClean(ingressHsts, [pointing, autoNamed]);
        const other = mutate(
            ingress(),
            (p) => (p.metadata.annotations["nginx.ingress.kubernetes.io/custom-headers"] = "grownext/edge-security-headers-extra-3f9c2a1b"),
        );
        await assertReports(ingressHsts, [other, autoNamed], /not declared in this stack/);
    });
    it("reports a max-age below 180 days", async () => {
        const short = mutate(headers(), (p) => (p.data["Strict-Transport-Security"] = "max-age=86400"));
        await assertReports(ingressHsts, [ingress(), short], /set max-age to at least 15552000/);
    });
    it("reports a ConfigMap without the header", async () => {
        await assertReports(
            ingressHsts,
            [ingress(), mutate(headers(), (p) => delete p.data["Strict-Transport-Security"])],
            /has no Strict-Transport-Security key/,
        );
    });
    it("reports a missing force-ssl-redirect", async () => {
        await assertReports(
            ingressHsts,
            [mutate(ingress(), (p) => delete p.metadata.annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"]), headers()],
            /force-ssl-redirect: "true"/,
        );
    });
    it("reports a Traefik middleware with a short stsSeconds, or none", async () => {
        await assertReports(
            ingressHsts,
            [traefikIngress(), middleware(3600)],
            /stsSeconds 3600; set spec\.headers\.stsSeconds to at least 15552000/,
        );
        await assertReports(ingressHsts, [traefikIngress()], /none of the referenced middlewares/);
    });
    it("honours a configured minimum", async () => {
        await assertClean(ingressHsts, [traefikIngress(), middleware(3600)], { minimumMaxAgeSeconds: 3600 });
    });
    it("reports a header value unknown during preview", async () => {
        await assertReports(
            ingressHsts,
            [ingress(), mutate(headers(), (p) => (p.data["Strict-Transport-Security"] = UNKNOWN_VALUE))],
            /unknown during preview/,
        );
    });
    it("parses max-age", () => {
        assert.equal(hstsMaxAge("max-age=31536000; includeSubDomains; preload"), 31536000);
        assert.equal(hstsMaxAge("includeSubDomains; max-age=600"), 600);
        assert.equal(hstsMaxAge("includeSubDomains"), undefined);
    });
});
