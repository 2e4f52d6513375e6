import type { ResourceValidationPolicy } from "@pulumi/policy";
import { validateTypes } from "../lib/policy";
import { k8sTypes } from "../lib/types";
import { arr, get, isUnknown, str, UNKNOWN, unknownMessage, type Unknown } from "../lib/unknowns";

/** True when a TLS host (possibly `*.example.com`) covers `host`. */
export function tlsCovers(tlsHost: string, host: string): boolean {
    const a = tlsHost.toLowerCase();
    const b = host.toLowerCase();
    if (a === b) return true;
    if (a.startsWith("*.")) {
        const suffix = a.slice(1);
        return b.endsWith(suffix) && !b.slice(0, -suffix.length).includes(".") && b.length > suffix.length;
    }
    return false;
}

/** Every Ingress host is served over TLS. */
export const ingressTls: ResourceValidationPolicy = {
    name: "ingress-tls",
    description:
        "The Deployment & Production Readiness guide (§1) requires TLS-enabled domains for each surface and §7 requires " +
        "HTTPS, and the DevOps guide (§6) enforces TLS for all production traffic, so every Ingress must list each of " +
        "its rules' hosts in spec.tls.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: validateTypes([k8sTypes.ingress], (r, _args, report) => {
        const rules = arr(get(r.props, "spec", "rules"));
        const tls = arr(get(r.props, "spec", "tls"));
        const fix = "add the host to spec.tls[].hosts with a certificate secretName (e.g. from cert-manager)";
        if (isUnknown(rules)) {
            report(unknownMessage("spec.rules", "declare the Ingress hosts as plain values"));
            return;
        }
        if (isUnknown(tls)) {
            report(unknownMessage("spec.tls", "declare spec.tls as plain values"));
            return;
        }
        const tlsHosts: (string | Unknown)[] = [];
        for (const entry of tls ?? []) {
            const hosts = arr(get(entry, "hosts"));
            if (isUnknown(hosts) || isUnknown(entry)) tlsHosts.push(UNKNOWN);
            for (const h of Array.isArray(hosts) ? hosts : []) {
                const s = str(h);
                if (s !== undefined) tlsHosts.push(s);
            }
        }
        if ((rules ?? []).length === 0) {
            report(
                "The Ingress has no host rules, so it serves a catch-all without a certificate; declare spec.rules with hosts and " +
                    fix +
                    ".",
            );
        }
        (rules ?? []).forEach((rule, i) => {
            const host = str(get(rule, "host"));
            if (isUnknown(host)) {
                report(unknownMessage(`spec.rules[${i}].host`, "declare the host as a plain value"));
            } else if (host === undefined || host === "") {
                report(`spec.rules[${i}] has no host, so it matches any name without a certificate; set its host and ${fix}.`);
            } else if (!tlsHosts.some((t) => typeof t === "string" && tlsCovers(t, host))) {
                if (tlsHosts.some(isUnknown))
                    report(unknownMessage(`Whether spec.tls covers host ${host}`, "declare spec.tls[].hosts as plain values"));
                else report(`Host ${host} is not covered by spec.tls; ${fix}.`);
            }
        });
    }),
};
