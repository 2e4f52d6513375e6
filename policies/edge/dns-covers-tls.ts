import type { PolicyConfigSchema, StackValidationPolicy } from "@pulumi/policy";
import { readConfig } from "../lib/config";
import { validateStackWith } from "../lib/policy";
import { awsTypes, k8sTypes } from "../lib/types";
import { arr, get, isUnknown, str, unknownMessage } from "../lib/unknowns";
import { tlsCovers } from "./ingress-tls";

const configSchema: PolicyConfigSchema = {
    properties: {
        required: {
            type: "boolean",
            default: false,
            description: "Check the stack even when it declares no Route 53 record (a stack that must publish its hosts through Route 53).",
        },
    },
};

interface Config {
    required: boolean;
}

/** Record types that make a host resolve to the edge. */
const addressTypes = new Set(["A", "AAAA", "CNAME"]);

function normalized(name: string): string {
    return name.toLowerCase().replace(/\.$/, "");
}

/** Where the stack publishes its hosts through Route 53, every host an Ingress has a certificate for has a record. */
export const dnsCoversTls: StackValidationPolicy = {
    name: "dns-covers-tls",
    description:
        "The Deployment & Production Readiness guide (§1) gives each surface a TLS-enabled domain; a host with a " +
        "certificate but no DNS record is unreachable (and cert-manager's HTTP-01 challenge for it fails). In a stack " +
        "that declares Route 53 records, every host in an Ingress's spec.tls must have an A, AAAA or CNAME record " +
        "(an exact name, or a wildcard covering it).",
    enforcementLevel: "advisory",
    severity: "medium",
    configSchema,
    validateStack: validateStackWith((stack, args, report) => {
        const { required } = readConfig<Config>(args, configSchema);
        const records = stack.ofType(awsTypes.route53Record);
        if (records.length === 0 && !required) return;

        const names: string[] = [];
        let unknownRecords = 0;
        for (const record of records) {
            const type = str(get(record.props, "type"));
            const name = str(get(record.props, "name"));
            if (isUnknown(type) || isUnknown(name)) unknownRecords++;
            else if (type !== undefined && name !== undefined && addressTypes.has(type)) names.push(normalized(name));
        }

        for (const ingress of stack.ofType(k8sTypes.ingress)) {
            const tls = arr(get(ingress.props, "spec", "tls"));
            if (isUnknown(tls)) {
                report(unknownMessage("spec.tls", "declare the TLS hosts as plain values so their records can be checked"), ingress.urn);
                continue;
            }
            for (const entry of tls ?? []) {
                const hosts = arr(get(entry, "hosts"));
                if (isUnknown(hosts)) {
                    report(
                        unknownMessage("spec.tls[].hosts", "declare the TLS hosts as plain values so their records can be checked"),
                        ingress.urn,
                    );
                    continue;
                }
                for (const h of hosts ?? []) {
                    const host = str(h);
                    if (host === undefined) continue;
                    if (isUnknown(host)) {
                        report(unknownMessage("a spec.tls host", "declare the TLS hosts as plain values"), ingress.urn);
                        continue;
                    }
                    if (names.some((n) => tlsCovers(n, normalized(host)))) continue;
                    if (unknownRecords > 0) {
                        report(
                            unknownMessage(
                                `Whether a Route 53 record covers ${host}`,
                                "declare the records' name and type as plain values",
                            ),
                            ingress.urn,
                        );
                    } else {
                        report(
                            `TLS host ${host} has no Route 53 record: declare an aws.route53.Record named ${host} (an alias A record to the ingress load balancer, or a CNAME), e.g. with dns.provider route53 and the host in the catalog.`,
                            ingress.urn,
                        );
                    }
                }
            }
        }
    }),
};
