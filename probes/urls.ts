/**
 * URL helpers shared by the probe modules. Reports carry URLs only, and a URL may hold credentials
 * (userinfo) or tokens (query string), so everything printed goes through `redactUrl`.
 */

/** The URL as it may appear in a report or an error: no userinfo, no query, no fragment. */
export function redactUrl(url: URL | string): string {
    let parsed: URL;
    try {
        parsed = typeof url === "string" ? new URL(url) : new URL(url.href);
    } catch {
        // Not a URL at all: saying nothing is safer than echoing what might be a pasted secret.
        return "<not a URL>";
    }
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    parsed.hash = "";
    return parsed.href;
}

/**
 * Resolves a check's path under a target's base URL, keeping any path prefix of the base
 * (`https://host/identity` + `/health` is `https://host/identity/health`, not `https://host/health`).
 */
export function resolveUnderBase(base: URL, path: string): URL {
    const directory = new URL(base.href);
    directory.search = "";
    directory.hash = "";
    if (!directory.pathname.endsWith("/")) {
        directory.pathname += "/";
    }
    return new URL(path.replace(/^\/+/, ""), directory);
}

/** Parses an absolute http(s) URL, or returns undefined. */
export function parseHttpUrl(value: unknown): URL | undefined {
    if (typeof value !== "string" || value.trim() === "") {
        return undefined;
    }
    try {
        const url = new URL(value);
        return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
    } catch {
        return undefined;
    }
}

/** OIDC issuers are compared as strings; a single trailing slash is the only tolerated difference. */
export function trimOneTrailingSlash(value: string): string {
    return value.endsWith("/") ? value.slice(0, -1) : value;
}
