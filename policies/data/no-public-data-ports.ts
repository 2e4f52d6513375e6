import type { PolicyConfigSchema, ResourceValidationPolicy } from "@pulumi/policy";
import { readConfig } from "../lib/config";
import { cidrList, opensPort, opensToInternet, port, type IngressRule } from "../lib/network";
import { validateTypes } from "../lib/policy";
import { awsTypes } from "../lib/types";
import { arr, isObject, isUnknown, str, UNKNOWN, unknownMessage, type PlainObject } from "../lib/unknowns";

const configSchema: PolicyConfigSchema = {
    properties: {
        ports: {
            type: "array",
            items: { type: "integer", minimum: 0, maximum: 65535 },
            default: [5432, 6379],
            description: "Data-store ports that must never be open to 0.0.0.0/0 or ::/0.",
        },
    },
};

interface Config {
    ports: number[];
}

/** The ingress rules a security-group resource declares. */
function ingressRules(type: string, props: PlainObject): IngressRule[] {
    switch (type) {
        case awsTypes.securityGroup: {
            const list = arr(props.ingress);
            if (isUnknown(list)) {
                return [{ where: "ingress", protocol: UNKNOWN, fromPort: UNKNOWN, toPort: UNKNOWN, cidrs: [UNKNOWN] }];
            }
            return (list ?? []).map((rule, i) => {
                const where = `ingress[${i}]`;
                if (!isObject(rule)) {
                    return { where, protocol: UNKNOWN, fromPort: UNKNOWN, toPort: UNKNOWN, cidrs: [UNKNOWN] };
                }
                return {
                    where,
                    protocol: str(rule.protocol),
                    fromPort: port(rule.fromPort),
                    toPort: port(rule.toPort),
                    cidrs: [...cidrList(rule.cidrBlocks), ...cidrList(rule.ipv6CidrBlocks)],
                };
            });
        }
        case awsTypes.securityGroupRule: {
            const kind = str(props.type);
            if (kind === "egress") return [];
            const p = props;
            return [
                {
                    where: "rule",
                    protocol: isUnknown(kind) ? UNKNOWN : str(p.protocol),
                    fromPort: port(p.fromPort),
                    toPort: port(p.toPort),
                    cidrs: [...cidrList(p.cidrBlocks), ...cidrList(p.ipv6CidrBlocks)],
                },
            ];
        }
        case awsTypes.securityGroupIngressRule: {
            const p = props;
            return [
                {
                    where: "rule",
                    protocol: str(p.ipProtocol),
                    fromPort: port(p.fromPort),
                    toPort: port(p.toPort),
                    cidrs: [...cidrList(p.cidrIpv4), ...cidrList(p.cidrIpv6)],
                },
            ];
        }
        default:
            return [];
    }
}

/** Postgres and Redis ports are never reachable from the internet. */
export const noPublicDataPorts: ResourceValidationPolicy = {
    name: "no-public-data-ports",
    description:
        "The DevOps guide (§6) keeps databases on private network access with least-privilege access control, so no " +
        "security group, security group rule or VPC ingress rule may open a data-store port (Postgres, Redis) to " +
        "0.0.0.0/0 or ::/0.",
    enforcementLevel: "mandatory",
    severity: "critical",
    configSchema,
    validateResource: validateTypes(
        [awsTypes.securityGroup, awsTypes.securityGroupRule, awsTypes.securityGroupIngressRule],
        (r, args, report) => {
            const { ports } = readConfig<Config>(args, configSchema);
            const fix =
                "allow the data port only from the cluster's security group (sourceSecurityGroupId / referencedSecurityGroupId) or private CIDRs";
            for (const rule of ingressRules(r.type, r.props)) {
                for (const p of ports) {
                    const opens = opensPort(rule, p);
                    const internet = opensToInternet(rule);
                    if (opens === "no" || internet === "no") continue;
                    if (opens === "yes" && internet === "yes") {
                        report(`${rule.where} opens port ${p} to the internet (0.0.0.0/0 or ::/0); ${fix}.`);
                    } else {
                        report(
                            unknownMessage(
                                `Whether ${rule.where} opens port ${p} to the internet`,
                                `${fix}, with ports and CIDRs known at preview time`,
                            ),
                        );
                    }
                }
            }
        },
    ),
};
