/**
 * Security-group rule reading for the "no public data ports" rule: which ports a rule opens and to
 * which sources, with unknown values kept explicit.
 */
import { isUnknown, num, str, type Plain, type Unknown } from "./unknowns";

/** CIDRs that mean "the whole internet". */
export const openCidrs: readonly string[] = ["0.0.0.0/0", "::/0"];

export interface IngressRule {
    /** Where the rule came from, for messages (`ingress[0]`, `rule`). */
    readonly where: string;
    readonly protocol: string | Unknown | undefined;
    readonly fromPort: number | Unknown | undefined;
    readonly toPort: number | Unknown | undefined;
    /** Source CIDRs (IPv4 and IPv6); `UNKNOWN` entries when the list or an item is unknown. */
    readonly cidrs: (string | Unknown)[];
}

/** Reads a list of CIDRs that may be unknown as a whole or per item. */
export function cidrList(value: Plain | undefined): (string | Unknown)[] {
    if (value === undefined || value === null) return [];
    if (isUnknown(value)) return [value];
    if (typeof value === "string") return [value];
    if (!Array.isArray(value)) return [];
    return value.map((v) => {
        const s = str(v);
        return s === undefined ? "" : s;
    });
}

/** True when the protocol means every protocol and port. */
function allTraffic(protocol: string | Unknown | undefined): boolean {
    return typeof protocol === "string" && (protocol === "-1" || protocol.toLowerCase() === "all");
}

/**
 * Whether the rule opens `port`: "yes", "no", or "unknown" when a port or the protocol is unknown
 * during preview.
 */
export function opensPort(rule: IngressRule, port: number): "yes" | "no" | "unknown" {
    if (isUnknown(rule.protocol)) return "unknown";
    if (allTraffic(rule.protocol)) return "yes";
    if (typeof rule.protocol === "string" && !["tcp", "6"].includes(rule.protocol.toLowerCase())) return "no";
    if (isUnknown(rule.fromPort) || isUnknown(rule.toPort)) return "unknown";
    const from = rule.fromPort ?? rule.toPort;
    const to = rule.toPort ?? rule.fromPort;
    if (from === undefined || to === undefined) return "no";
    return from <= port && port <= to ? "yes" : "no";
}

/** Whether the rule admits the internet: "yes", "no", or "unknown" when a source CIDR is unknown. */
export function opensToInternet(rule: IngressRule): "yes" | "no" | "unknown" {
    if (rule.cidrs.some((c) => typeof c === "string" && openCidrs.includes(c.trim()))) return "yes";
    if (rule.cidrs.some(isUnknown)) return "unknown";
    return "no";
}

export function port(value: Plain | undefined): number | Unknown | undefined {
    return num(value);
}
