/**
 * Kubernetes-side alert rules for clusters that run the Prometheus Operator
 * (`monitoring.prometheusRules: true`): one PrometheusRule (monitoring.coreos.com/v1) built from the
 * process catalog over kube-state-metrics series, so an eighth process gets its rules from its entry:
 *  - every Deployment below its desired replicas, and every container in a restart loop;
 *  - every autoscaled process whose HPA is pinned at its maximum;
 *  - every singleton not running exactly once (none: jobs stop; two: jobs fire twice);
 *  - a 5xx spike on a public process (ingress-nginx request metrics);
 *  - repeated failures on a watched public path (the catalog's `watchedPaths`: Stripe webhooks);
 *  - a failed migrations Job (the release gate stops every rollout behind it).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { labelKeys, partOf } from "../../catalog/labels";
import type { ProcessSpec } from "../../catalog/processes";
import { runbook, type RunbookAction } from "../../config/monitoring";
import { componentError } from "../../config/errors";

export interface PrometheusRule {
    readonly alert: string;
    readonly expr: string;
    readonly for: string;
    readonly labels: { readonly severity: "page" | "warning"; readonly process?: string };
    readonly annotations: { readonly summary: string; readonly runbook: string };
}

export interface PrometheusRuleGroup {
    readonly name: string;
    readonly rules: PrometheusRule[];
}

function rule(
    alert: string,
    expr: string,
    forDuration: string,
    severity: "page" | "warning",
    summary: string,
    action: RunbookAction,
    process?: string,
): PrometheusRule {
    return {
        alert,
        expr,
        for: forDuration,
        labels: { severity, ...(process ? { process } : {}) },
        annotations: { summary, runbook: runbook[action] },
    };
}

/** `web` gives `Web`, `encryption-rotation` gives `EncryptionRotation` (alert names are CamelCase). */
function camel(name: string): string {
    return name
        .split("-")
        .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
        .join("");
}

/** The rule groups of the processes (Deployments and containers are named after the process). */
export function prometheusRuleGroups(processes: readonly ProcessSpec[], namespace: string): PrometheusRuleGroup[] {
    const ns = `namespace="${namespace}"`;
    const workloads: PrometheusRule[] = [];
    for (const p of processes) {
        const d = `${ns}, deployment="${p.name}"`;
        const a = camel(p.name);
        if (p.scaling === "singleton") {
            workloads.push(
                rule(
                    `${a}NotExactlyOnce`,
                    `kube_deployment_status_replicas_available{${d}} != 1`,
                    "5m",
                    "page",
                    `${p.name} is a singleton but {{ $value }} replicas are available: none stops its jobs, two fire them twice`,
                    p.drainsJobs ? "queueHeartbeat" : "restartInspect",
                    p.name,
                ),
            );
        } else {
            workloads.push(
                rule(
                    `${a}BelowDesiredReplicas`,
                    `kube_deployment_status_replicas_available{${d}} < kube_deployment_spec_replicas{${d}}`,
                    "10m",
                    "page",
                    `${p.name} has fewer available replicas than desired for 10 minutes`,
                    "restartInspect",
                    p.name,
                ),
            );
        }
        workloads.push(
            rule(
                `${a}RestartLoop`,
                `increase(kube_pod_container_status_restarts_total{${ns}, container="${p.name}"}[15m]) > 3`,
                "0m",
                "page",
                `a ${p.name} container restarted more than 3 times in 15 minutes`,
                "restartInspect",
                p.name,
            ),
        );
        if (p.scaling === "autoscaled") {
            const h = `${ns}, horizontalpodautoscaler="${p.name}"`;
            workloads.push(
                rule(
                    `${a}AutoscalerAtMax`,
                    `kube_horizontalpodautoscaler_status_current_replicas{${h}} >= kube_horizontalpodautoscaler_spec_max_replicas{${h}}`,
                    "15m",
                    "warning",
                    `${p.name} has run at its autoscaler's maximum for 15 minutes: raise services.${p.name}.autoscale.max or find the load`,
                    "postgresCapacity",
                    p.name,
                ),
            );
        }
    }
    // 5xx spikes at the edge (guides: "set alerts for 5xx spikes"), from ingress-nginx's metrics per backend Service.
    const edge = processes
        .filter((p) => p.publicHost !== undefined && p.http !== undefined)
        .map((p) => {
            const sel = `exported_namespace="${namespace}", exported_service="${p.name}"`;
            return rule(
                `${camel(p.name)}ServerErrorSpike`,
                `sum(rate(nginx_ingress_controller_requests{${sel}, status=~"5.."}[5m])) / sum(rate(nginx_ingress_controller_requests{${sel}}[5m])) > 0.05`,
                "5m",
                "page",
                `more than 5% of requests to ${p.name} answer 5xx`,
                "restartInspect",
                p.name,
            );
        });
    // Watched paths (Stripe webhooks): few requests, so a count of failures pages, not a ratio.
    for (const p of processes) {
        if (p.publicHost === undefined) continue;
        for (const w of p.watchedPaths ?? []) {
            const sel = `exported_namespace="${namespace}", exported_service="${p.name}", path="${w.path}"`;
            edge.push({
                alert: `${camel(p.name)}${camel(w.what.toLowerCase().replace(/[^a-z0-9]+/g, "-"))}Failing`,
                expr: `sum(increase(nginx_ingress_controller_requests{${sel}, status=~"${w.failingStatus}"}[15m])) >= ${w.failuresPer15Minutes}`,
                for: "0m",
                labels: { severity: "page", process: p.name },
                annotations: {
                    summary: `${w.what} (${w.path}) failed at least ${w.failuresPer15Minutes} times in 15 minutes`,
                    runbook: w.action,
                },
            });
        }
    }
    const release = [
        rule(
            "MigrationsJobFailed",
            `kube_job_status_failed{${ns}, job_name=~"(migrate|roles)-.*"} > 0`,
            "0m",
            "page",
            "a database migrations or roles Job failed: every rollout behind it is held (release gate)",
            "restartInspect",
        ),
    ];
    return [
        { name: "grownext.workloads", rules: workloads },
        { name: "grownext.edge", rules: edge },
        { name: "grownext.release", rules: release },
    ];
}

export interface PrometheusRulesArgs {
    /** Namespace of the processes (plain: the expressions name it). */
    readonly namespace: string;
    /** The catalog processes this stack runs. */
    readonly processes: readonly ProcessSpec[];
    /** Labels the cluster's Prometheus selects rules by (its `ruleSelector`). */
    readonly selectorLabels?: Readonly<Record<string, string>>;
}

export class PrometheusRules extends pulumi.ComponentResource {
    readonly rule: k8s.apiextensions.CustomResource;

    constructor(name: string, args: PrometheusRulesArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:operations:PrometheusRules", name, {}, opts);
        if (args.processes.length === 0) throw componentError(this, "PrometheusRules", name, `no process to watch`);
        this.rule = new k8s.apiextensions.CustomResource(
            `${name}-rule`,
            {
                apiVersion: "monitoring.coreos.com/v1",
                kind: "PrometheusRule",
                metadata: {
                    name: "grownext",
                    namespace: args.namespace,
                    labels: { [labelKeys.partOf]: partOf, ...args.selectorLabels },
                },
                spec: { groups: prometheusRuleGroups(args.processes, args.namespace) },
            },
            { parent: this },
        );
        this.registerOutputs({});
    }
}
