/**
 * One CloudWatch dashboard per AWS stack, drawn from the same alarm specs the alarms are declared
 * from: a graph per signal with its threshold as a line, grouped by store, and the health checks'
 * status from us-east-1 (where Route 53 publishes them).
 */
import * as aws from "../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AlarmSpec } from "./alarms";
import { componentError } from "../../config/errors";

export interface DashboardSection {
    /** Heading of the row (`Postgres app`, `Queue Redis`, `Health checks`). */
    readonly title: string;
    /** Region the section's metrics live in. */
    readonly region: pulumi.Input<string>;
    readonly specs: readonly AlarmSpec[];
}

export interface OperationsDashboardArgs {
    /** Dashboard name, `<project>-<stack>`. */
    readonly dashboardName: string;
    readonly sections: readonly DashboardSection[];
    /** Region of the dashboard. */
    readonly region?: pulumi.Input<string>;
}

/** The dashboard body: a text heading per section, then one graph per alarm spec (24 columns wide grid). */
export function dashboardBody(sections: readonly DashboardSection[]): pulumi.Output<string> {
    const widgets: unknown[] = [];
    let y = 0;
    for (const section of sections) {
        widgets.push({ type: "text", x: 0, y, width: 24, height: 1, properties: { markdown: `## ${section.title}` } });
        y += 1;
        section.specs.forEach((spec, i) => {
            const dims = Object.entries(spec.dimensions).flatMap(([k, v]) => [k, v]);
            widgets.push({
                type: "metric",
                x: (i % 4) * 6,
                y: y + Math.floor(i / 4) * 6,
                width: 6,
                height: 6,
                properties: {
                    title: `${spec.severity === "page" ? "PAGE" : "warn"}: ${spec.metricName} ${spec.id}`,
                    region: section.region,
                    stat: spec.statistic,
                    period: spec.periodSeconds,
                    metrics: [[spec.namespace, spec.metricName, ...dims]],
                    annotations: {
                        horizontal: [{ label: spec.comparison.startsWith("Less") ? "alarm below" : "alarm above", value: spec.threshold }],
                    },
                    view: "timeSeries",
                },
            });
        });
        y += Math.ceil(section.specs.length / 4) * 6;
    }
    return pulumi.jsonStringify({ widgets });
}

export class OperationsDashboard extends pulumi.ComponentResource {
    readonly dashboard: aws.cloudwatch.Dashboard;

    constructor(name: string, args: OperationsDashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("grownext:operations:OperationsDashboard", name, {}, opts);
        if (args.sections.length === 0) throw componentError(this, "OperationsDashboard", name, `nothing to show`);
        this.dashboard = new aws.cloudwatch.Dashboard(
            `${name}-dashboard`,
            {
                dashboardName: args.dashboardName,
                dashboardBody: dashboardBody(args.sections),
                region: args.region,
            },
            { parent: this },
        );
        this.registerOutputs({ dashboard: this.dashboard.dashboardArn });
    }
}
