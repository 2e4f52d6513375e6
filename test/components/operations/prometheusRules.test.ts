/**
 * PrometheusRule objects from the catalog: behind `monitoring.prometheusRules`, one rule set per
 * process, and an eighth process gets its rules from its catalog entry alone.
 */
import * as assert from "assert";
import { processCatalog } from "../../../catalog/processes";
import { PrometheusRules, prometheusRuleGroups } from "../../../components/operations/prometheusRules";
import { evaluateStack } from "../../../sandbox/evaluate";
import { installMocks, recorder, settle } from "../../../sandbox/mocks";
import { stackConfig } from "../../../sandbox/stacks";

const ruleType = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";

function alerts(groups: ReturnType<typeof prometheusRuleGroups>): Map<string, { expr: string; for: string; severity: string }> {
    return new Map(groups.flatMap((g) => g.rules).map((r) => [r.alert, { expr: r.expr, for: r.for, severity: r.labels.severity }]));
}

describe("PrometheusRules", () => {
    before(() => installMocks());
    beforeEach(() => recorder.reset());

    it("covers replicas, restart loops, HPAs at max, singletons and a failed migrations Job", () => {
        const a = alerts(prometheusRuleGroups(processCatalog, "grownext"));
        assert.deepStrictEqual(a.get("WebBelowDesiredReplicas"), {
            expr: 'kube_deployment_status_replicas_available{namespace="grownext", deployment="web"} < kube_deployment_spec_replicas{namespace="grownext", deployment="web"}',
            for: "10m",
            severity: "page",
        });
        assert.deepStrictEqual(a.get("WorkerRestartLoop"), {
            expr: 'increase(kube_pod_container_status_restarts_total{namespace="grownext", container="worker"}[15m]) > 3',
            for: "0m",
            severity: "page",
        });
        assert.deepStrictEqual(a.get("IdentityAutoscalerAtMax")?.severity, "warning");
        assert.match(
            a.get("IdentityAutoscalerAtMax")!.expr,
            /current_replicas\{namespace="grownext", horizontalpodautoscaler="identity"\} >= kube_horizontalpodautoscaler_spec_max_replicas/,
        );
        assert.deepStrictEqual(a.get("EncryptionRotationNotExactlyOnce"), {
            expr: 'kube_deployment_status_replicas_available{namespace="grownext", deployment="encryption-rotation"} != 1',
            for: "5m",
            severity: "page",
        });
        assert.deepStrictEqual(a.get("MigrationsJobFailed"), {
            expr: 'kube_job_status_failed{namespace="grownext", job_name=~"(migrate|roles)-.*"} > 0',
            for: "0m",
            severity: "page",
        });
        assert.match(
            a.get("WebServerErrorSpike")!.expr,
            /exported_service="web", status=~"5\.\."\}\[5m\]\)\) \/ sum\(rate\(nginx_ingress_controller_requests\{exported_namespace="grownext", exported_service="web"\}\[5m\]\)\) > 0\.05$/,
        );
        assert.ok(!a.has("WorkerServerErrorSpike"), "only public processes serve through the ingress");
        assert.ok(!a.has("SchedulerBelowDesiredReplicas"), "singletons get the exactly-once rule instead");
        assert.ok(!a.has("WorkerAutoscalerAtMax"), "only autoscaled processes have an HPA");
        for (const r of prometheusRuleGroups(processCatalog, "grownext").flatMap((g) => g.rules))
            assert.match(r.annotations.runbook, /guide/, r.alert);
    });

    it("pages on repeated Stripe webhook failures, by count on the webhook's own Ingress path", () => {
        const rules = prometheusRuleGroups(processCatalog, "grownext").flatMap((g) => g.rules);
        const webhook = rules.find((r) => r.alert === "WebStripeWebhooksFailing");
        assert.ok(webhook, rules.map((r) => r.alert).join(", "));
        assert.strictEqual(
            webhook.expr,
            'sum(increase(nginx_ingress_controller_requests{exported_namespace="grownext", exported_service="web", path="/api/v1/stripe/webhook", status=~"4..|5.."}[15m])) >= 5',
        );
        assert.strictEqual(webhook.labels.severity, "page");
        assert.match(webhook.annotations.runbook, /signing secret/);
        const watched = processCatalog.flatMap((p) => p.watchedPaths ?? []);
        assert.strictEqual(rules.filter((r) => r.alert.endsWith("Failing")).length, watched.length, "one rule per watched path");
    });

    it("routes every watched path of the catalog through an Ingress path of its own in the production stack", async () => {
        const ingresses = (await evaluateStack("production")).filter((r) => r.type === "kubernetes:networking.k8s.io/v1:Ingress");
        for (const p of processCatalog) {
            for (const w of p.watchedPaths ?? []) {
                const ingress = ingresses.find((i) => i.inputs.metadata.name === p.name);
                assert.ok(ingress, p.name);
                const paths = ingress.inputs.spec.rules[0].http.paths.map((x: any) => `${x.pathType} ${x.path}`);
                assert.ok(paths.includes(`Exact ${w.path}`), `${p.name}: ${paths.join(", ")}`);
            }
        }
    });

    it("gives an eighth process's watched path its own rule", () => {
        const admin = {
            ...processCatalog.find((p) => p.name === "portal")!,
            name: "admin",
            publicHost: "admin",
            watchedPaths: [
                {
                    path: "/hooks/github",
                    what: "GitHub webhooks",
                    failingStatus: "5..",
                    failuresPer15Minutes: 3,
                    action: "Some guide: check the app.",
                },
            ],
        };
        const rule = prometheusRuleGroups([admin], "grownext")
            .flatMap((g) => g.rules)
            .find((r) => r.alert === "AdminGithubWebhooksFailing");
        assert.ok(rule);
        assert.match(rule.expr, /path="\/hooks\/github", status=~"5\.\."\}\[15m\]\)\) >= 3$/);
    });

    it("declares one monitoring.coreos.com/v1 PrometheusRule in the namespace", async () => {
        new PrometheusRules("rules", {
            namespace: "grownext",
            processes: processCatalog,
            selectorLabels: { release: "kube-prometheus-stack" },
        });
        await settle();
        const r = recorder.one(ruleType, "rules-rule").inputs;
        assert.deepStrictEqual(
            [r.apiVersion, r.kind, r.metadata.namespace, r.metadata.labels.release],
            ["monitoring.coreos.com/v1", "PrometheusRule", "grownext", "kube-prometheus-stack"],
        );
        assert.deepStrictEqual(
            r.spec.groups.map((g: any) => g.name),
            ["grownext.workloads", "grownext.edge", "grownext.release"],
        );
    });

    it("is off unless the stack turns it on", async () => {
        assert.strictEqual((await evaluateStack("production")).filter((r) => r.type === ruleType).length, 0);
        const on = await evaluateStack("local", { monitoring: { prometheusRules: true } });
        assert.strictEqual(on.filter((r) => r.type === ruleType).length, 1);
    });

    it("an eighth process gets its rules from its catalog entry alone", async () => {
        const { Platform } = await import("../../../components/platform");
        const admin = {
            ...processCatalog.find((p) => p.name === "portal")!,
            name: "admin",
            publicHost: "admin",
            description: "The admin console.",
        };
        new Platform("grownext", { config: stackConfig("local", { monitoring: { prometheusRules: true } }, [...processCatalog, admin]) });
        await settle();
        const groups = recorder.ofType(ruleType)[0]!.inputs.spec.groups;
        const names = groups.flatMap((g: any) => g.rules.map((r: any) => r.alert));
        for (const n of ["AdminBelowDesiredReplicas", "AdminRestartLoop", "AdminAutoscalerAtMax", "AdminServerErrorSpike"])
            assert.ok(names.includes(n), n);
    });
});
