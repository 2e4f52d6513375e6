/**
 * postgres-proxy-tls (policies/data/postgres-proxy-tls.ts), both ways: a production app database behind
 * a TLS-only RDS Proxy passes; no proxy, a proxy that does not require TLS, an unknown requireTls, or a
 * target on another instance are reported; staging is out of scope; a restore serving in place of its
 * source counts as the app database.
 */
import { strict as assert } from "assert";
import { postgresProxyTls } from "../../policies/data/postgres-proxy-tls";
import { assertClean, assertReports, run } from "./assertions";
import { mutate, rdsInstanceProps, types } from "../fixtures/policyResources";
import { resource, UNKNOWN_VALUE, type PolicyResourceLike } from "./harness";

const T = { proxy: "aws:rds/proxy:Proxy", target: "aws:rds/proxyTarget:ProxyTarget" };

function instance(name: string, database: string, stack: string): PolicyResourceLike {
    return resource(types.rdsInstance, name, { ...rdsInstanceProps(), tags: { "grownext.io/database": database } }, { stack });
}

/** A data tier whose app database sits behind a proxy; the identity database stays direct. */
function tier(stack = "production", opts: { proxied?: string } = {}): PolicyResourceLike[] {
    const app = instance("app-db", "app", stack);
    const identity = instance("identity-db", "identity", stack);
    const proxy = resource(
        T.proxy,
        "app-proxy",
        { engineFamily: "POSTGRESQL", requireTls: true, tags: { "grownext.io/database": "app" } },
        { stack },
    );
    const proxied = opts.proxied === "identity-db" ? identity : app;
    const target = resource(
        T.target,
        "app-proxy-target",
        { dbProxyName: "app-proxy", targetGroupName: "default", dbInstanceIdentifier: proxied.name },
        {
            stack,
            dependencies: [proxy.urn, proxied.urn],
            propertyDependencies: { dbProxyName: [proxy.urn], dbInstanceIdentifier: [proxied.urn] },
        },
    );
    return [app, identity, proxy, target];
}
const withProxy = (list: PolicyResourceLike[], edit: (p: Record<string, any>) => void) =>
    list.map((r) => (r.type === T.proxy ? mutate(r, edit) : r));

describe("postgres-proxy-tls", () => {
    it("passes a production app database behind a proxy that requires TLS", async () => {
        await assertClean(postgresProxyTls, tier());
    });
    it("reports a production app database with no proxy", async () => {
        await assertReports(
            postgresProxyTls,
            tier().filter((r) => r.type !== T.proxy && r.type !== T.target),
            /app database \(RDS instance "app-db"\) is not behind an RDS Proxy.*data\.postgres\.proxy\.enabled/,
        );
    });
    it("reports a proxy target on another database", async () => {
        await assertReports(postgresProxyTls, tier("production", { proxied: "identity-db" }), /app database .* is not behind an RDS Proxy/);
    });
    it("reports a proxy that does not require TLS, or whose requireTls is unknown", async () => {
        await assertReports(
            postgresProxyTls,
            withProxy(tier(), (p) => (p.requireTls = false)),
            /RDS Proxy "app-proxy" does not require TLS/,
        );
        await assertReports(
            postgresProxyTls,
            withProxy(tier(), (p) => delete p.requireTls),
            /does not require TLS/,
        );
        await assertReports(
            postgresProxyTls,
            withProxy(tier(), (p) => (p.requireTls = UNKNOWN_VALUE)),
            /requireTls unknown during preview/,
        );
    });
    it("accepts a point-in-time restore serving behind the proxy in place of its source", async () => {
        const restore = instance("app-db-restore", "app", "production");
        const list = tier().map((r) =>
            r.type === T.target
                ? { ...r, dependencies: [r.dependencies![0]!, restore.urn], propertyDependencies: { dbInstanceIdentifier: [restore.urn] } }
                : r,
        );
        await assertClean(postgresProxyTls, [...list, restore]);
    });
    it("does not apply to staging", async () => {
        const result = await run(
            postgresProxyTls,
            tier("staging").filter((r) => r.type !== T.proxy),
        );
        assert.deepEqual(result.messages, []);
        assert.match(result.notApplicable ?? "", /Only stacks production/);
    });
});
