import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { outsideStacks, readConfig } from "../lib/config";
import { productionStacks, watches } from "../lib/monitoring";
import { validateStackWith } from "../lib/policy";
import { awsTypes } from "../lib/types";

const configSchema: PolicyConfigSchema = { properties: { stacks: productionStacks } };

interface Config {
    stacks: string[];
}

/** A production stack's alert route reaches a person: at least one SNS subscription on each topic. */
export const alertRouteSubscribed: StackValidationPolicy = {
    name: "alert-route-subscribed",
    description:
        "The Production Readiness guide (§1) requires 24/7 monitoring and an on-call rotation for production, and its " +
        "incident response starts with paging on-call, so a production stack must declare an alert route (an SNS topic) " +
        "and every topic must have at least one subscription (e-mail or a pager's HTTPS endpoint).",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const config = readConfig<Config>(args, configSchema);
        const outside = outsideStacks(stack.stack, config.stacks, "must page someone.");
        if (outside !== undefined) return args.notApplicable(outside);
        const topics = stack.ofType(awsTypes.snsTopic);
        const subscriptions = stack.ofType(awsTypes.snsTopicSubscription);
        if (topics.length === 0) {
            report(
                "The stack declares no SNS topic, so no alarm can reach anyone; declare the alert route and subscribe monitoring.alertEmails or alertHttpsEndpoints.",
            );
            return;
        }
        for (const topic of topics) {
            if (!subscriptions.some((s) => watches(s, topic))) {
                report(
                    `SNS topic "${topic.name}" has no subscription, so its alarms page nobody; set monitoring.alertEmails or alertHttpsEndpoints.<name> (with --secret).`,
                    topic.urn,
                );
            }
        }
    }),
};
