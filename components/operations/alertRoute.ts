/**
 * The alert route of an AWS stack: one SNS topic encrypted with the stack's KMS key, and its
 * subscribers from config: e-mail addresses (`monitoring.alertEmails`) and HTTPS endpoints such as a
 * pager's integration URL (`alertHttpsEndpoints`, set with --secret). Every alarm and RDS event
 * subscription of the stack publishes here.
 *
 * The endpoint URLs are credentials (anyone holding a pager URL can page the on-call): they enter
 * resources only as secrets, never a resource name, an output or a log line; subscriptions are named
 * by the config key (`pagerduty`), not by the URL.
 */
import * as aws from "../../wiring/aws";
import * as pulumi from "@pulumi/pulumi";
import { componentError } from "../../config/errors";

export interface AlertRouteArgs {
    /** `<project>-<stack>` (plus a suffix for a second region): the topic's name. */
    readonly topicName: string;
    /** ARN of the KMS key that encrypts the topic (same region as the topic). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** E-mail subscribers. */
    readonly emails: readonly string[];
    /** HTTPS subscribers by name; the URLs are secrets. */
    readonly httpsEndpoints: Readonly<Record<string, pulumi.Input<string>>>;
    /** Region of the topic (defaults to the provider's). */
    readonly region?: pulumi.Input<string>;
}

/** Resource-name-safe form of an e-mail address (`ops@example.com` gives `ops-at-example-com`). */
export function emailLabel(address: string): string {
    return address
        .toLowerCase()
        .replace("@", "-at-")
        .replace(/[^a-z0-9-]/g, "-")
        .replace(/-+/g, "-")
        .replace(/^-|-$/g, "");
}

/** Problems with the subscriber list, naming the config key. */
export function alertRouteProblems(args: Pick<AlertRouteArgs, "emails" | "httpsEndpoints">): string[] {
    const out: string[] = [];
    const labels = args.emails.map(emailLabel);
    const dup = labels.find((l, i) => labels.indexOf(l) !== i);
    if (dup !== undefined) out.push(`monitoring.alertEmails lists the same address twice (${dup})`);
    for (const name of Object.keys(args.httpsEndpoints)) {
        if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name))
            out.push(`alertHttpsEndpoints.${name} must be a short lower-case name such as pagerduty`);
    }
    return out;
}

export class AlertRoute extends pulumi.ComponentResource {
    readonly topic: aws.sns.Topic;
    readonly topicArn: pulumi.Output<string>;
    readonly subscriptions: aws.sns.TopicSubscription[];

    constructor(name: string, args: AlertRouteArgs, opts?: pulumi.ComponentResourceOptions) {
        // The endpoints are secrets: nothing of args goes to super.
        super("grownext:operations:AlertRoute", name, {}, opts);
        const problems = alertRouteProblems(args);
        if (problems.length > 0) throw componentError(this, "AlertRoute", name, `${problems.join("; ")}`);

        this.topic = new aws.sns.Topic(
            `${name}-topic`,
            {
                name: args.topicName,
                displayName: `GrowNext alerts (${args.topicName})`,
                kmsMasterKeyId: args.kmsKeyArn,
                region: args.region,
            },
            { parent: this },
        );
        this.topicArn = this.topic.arn;

        const emails = args.emails.map(
            (address) =>
                new aws.sns.TopicSubscription(
                    `${name}-email-${emailLabel(address)}`,
                    {
                        topic: this.topic.arn,
                        protocol: "email",
                        endpoint: address,
                        region: args.region,
                    },
                    { parent: this },
                ),
        );
        const https = Object.entries(args.httpsEndpoints).map(
            ([label, url]) =>
                new aws.sns.TopicSubscription(
                    `${name}-https-${label}`,
                    {
                        topic: this.topic.arn,
                        protocol: "https",
                        endpoint: pulumi.secret(url),
                        // Pagers (PagerDuty, Opsgenie) confirm the subscription themselves.
                        endpointAutoConfirms: true,
                        region: args.region,
                    },
                    { parent: this, additionalSecretOutputs: ["endpoint"] },
                ),
        );
        this.subscriptions = [...emails, ...https];
        this.registerOutputs({ topicArn: this.topicArn });
    }
}
