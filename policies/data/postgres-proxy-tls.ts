import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { outsideStacks, readConfig, stringList } from "../lib/config";
import { watches } from "../lib/monitoring";
import { validateStackWith, type StackResource } from "../lib/policy";
import { awsTypes } from "../lib/types";
import { bool, get, isUnknown, str } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        stacks: stringList("Stack names whose pooled databases must sit behind an RDS Proxy that requires TLS.", ["production"]),
        databases: stringList("Values of the grownext.io/database tag that name a pooled database.", ["app"]),
    },
};

interface Config {
    stacks: string[];
    databases: string[];
}

/** The database tag of an RDS instance, when known. */
function databaseOf(db: StackResource): string | undefined {
    const tag = str(get(db.props, "tags", "grownext.io/database"));
    return typeof tag === "string" ? tag : undefined;
}

/**
 * In production the app database is reached through an RDS Proxy that requires TLS: some RDS instance
 * of that database (the source, or a point-in-time restore serving in its place) is the target of a
 * ProxyTarget, and every RDS Proxy of the stack sets `requireTls: true`. A target is recognised by the
 * resource graph (its `dbInstanceIdentifier` comes from the instance), which also holds in preview.
 */
export const postgresProxyTls: StackValidationPolicy = {
    name: "postgres-proxy-tls",
    description:
        "The DevOps Guide encrypts all data in transit with TLS and the Deployment Guide keeps secrets in AWS Secrets Manager; issue 12 " +
        "puts the app database behind RDS Proxy in production, TLS required and credentials from Secrets Manager (docs/rds-proxy.md). " +
        "Every production RDS instance tagged as a pooled database must be a proxy target, and every RDS Proxy must set requireTls.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const config = readConfig<Config>(args, configSchema);
        const outside = outsideStacks(stack.stack, config.stacks, "must put their pooled databases behind a TLS-only RDS Proxy.");
        if (outside !== undefined) return args.notApplicable(outside);
        const proxies = stack.ofType(awsTypes.rdsProxy);
        for (const proxy of proxies) {
            const tls = bool(proxy.props.requireTls);
            if (isUnknown(tls)) {
                report(`RDS Proxy "${proxy.name}" has requireTls unknown during preview; set it to the literal true.`, proxy.urn);
            } else if (tls !== true) {
                report(
                    `RDS Proxy "${proxy.name}" does not require TLS; set requireTls: true so no client reaches the database in clear text.`,
                    proxy.urn,
                );
            }
        }
        const targets = stack.ofType(awsTypes.rdsProxyTarget);
        for (const database of config.databases) {
            const instances = stack.ofType(awsTypes.rdsInstance).filter((db) => databaseOf(db) === database);
            if (instances.length === 0) continue;
            const proxied = instances.some((db) => targets.some((t) => watches(t, db) && proxies.some((p) => watches(t, p))));
            if (!proxied) {
                report(
                    `The ${database} database (RDS instance "${instances[0]!.name}") is not behind an RDS Proxy; ` +
                        "set data.postgres.proxy.enabled: true (components/data/aws/postgresProxy.ts) so its processes connect through the proxy.",
                    instances[0]!.urn,
                );
            }
        }
    }),
};
