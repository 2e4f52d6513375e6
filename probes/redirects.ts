/**
 * Redirects, followed by the runner one hop at a time so that each hop is judged before it is
 * requested: a redirect from https down to http is refused (the next request would travel in clear,
 * and HSTS would mean nothing), and so is a loop or a chain longer than a browser would follow.
 * Refusals name the whole chain, redacted, so the report shows where it went wrong.
 */
import type { FetchOutcome, ProbeHop, ProbeResponse } from "./http";
import { redactUrl } from "./urls";

/** Browsers follow about 20; a health endpoint or a portal front page needs far fewer. */
export const maxRedirects = 5;

export type RedirectDecision =
    | { readonly kind: "final" }
    | { readonly kind: "follow"; readonly url: URL }
    /** Retrying does not change a refused chain: the server's configuration does. */
    | { readonly kind: "refuse"; readonly observed: string };

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/** What to do with `response`, given the hops that led to it (first request first). */
export function nextRedirect(earlier: readonly ProbeHop[], response: ProbeHop): RedirectDecision {
    if (!redirectStatuses.has(response.status)) {
        return { kind: "final" };
    }
    const location = headerValue(response, "location");
    if (location === undefined || location.trim() === "") {
        // Nothing to follow; the check's validator judges the status itself.
        return { kind: "final" };
    }
    let target: URL;
    try {
        target = new URL(location.trim(), response.url);
    } catch {
        return { kind: "refuse", observed: `redirect to an unparsable Location: ${describeChain([...earlier, response])} -> <not a URL>` };
    }
    target.hash = "";
    const chain = [...earlier, response];
    if (target.protocol !== "http:" && target.protocol !== "https:") {
        return {
            kind: "refuse",
            observed: `redirect to a ${target.protocol} URL refused: ${describeChain(chain)} -> <${target.protocol} URL>`,
        };
    }
    if (response.url.protocol === "https:" && target.protocol === "http:") {
        return { kind: "refuse", observed: `redirect from https down to http refused: ${describeChain(chain, target)}` };
    }
    if (chain.some((hop) => sameResource(hop.url, target))) {
        return { kind: "refuse", observed: `redirect loop: ${describeChain(chain, target)}` };
    }
    if (chain.length > maxRedirects) {
        return { kind: "refuse", observed: `more than ${maxRedirects} redirects: ${describeChain(chain, target)}` };
    }
    return { kind: "follow", url: target };
}

/** `https://a/ (302) -> https://a/login (301) -> http://a/login`, every URL redacted. */
export function describeChain(hops: readonly ProbeHop[], next?: URL): string {
    const parts = hops.map((hop) => `${redactUrl(hop.url)} (${hop.status})`);
    if (next !== undefined) {
        parts.push(redactUrl(next));
    }
    return parts.join(" -> ");
}

/** The answer a redirect chain started with (the response itself when nothing was followed). */
export function firstHop(response: ProbeResponse): ProbeHop {
    return response.redirects[0] ?? response;
}

function sameResource(a: URL, b: URL): boolean {
    // The query counts (`/login?next=/` and `/login` are different pages); the fragment never reaches the server.
    return a.origin === b.origin && a.pathname === b.pathname && a.search === b.search;
}

function headerValue(hop: ProbeHop, name: string): string | undefined {
    const value = hop.headers[name];
    return Array.isArray(value) ? value[0] : value;
}

/**
 * Requests `url` and follows its redirects, judging each before requesting it. `fetchHop` makes one
 * request (no redirect followed) within whatever time is left.
 */
export async function followRedirects(url: URL, fetchHop: (url: URL) => Promise<FetchOutcome>): Promise<FetchOutcome> {
    const hops: ProbeHop[] = [];
    for (let current = url; ;) {
        const outcome = await fetchHop(current);
        if (outcome.kind === "failure") {
            return hops.length === 0 ? outcome : { ...outcome, observed: `${outcome.observed} (after ${describeChain(hops, current)})` };
        }
        const { response } = outcome;
        const decision = nextRedirect(hops, response);
        switch (decision.kind) {
            case "final":
                return { kind: "response", response: { ...response, redirects: hops } };
            case "refuse":
                return { kind: "failure", observed: decision.observed, cutByDeadline: false, permanent: true };
            case "follow":
                hops.push({ url: response.url, status: response.status, headers: response.headers });
                current = decision.url;
        }
    }
}
