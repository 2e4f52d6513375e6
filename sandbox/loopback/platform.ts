/**
 * Loopback HTTPS servers that imitate the platform's public surfaces (API, identity, portal) with
 * healthy answers by default. Tests replace single routes with faults; the bench adds latency.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import * as https from "node:https";
import type { AddressInfo } from "node:net";
import { hstsMaxAgeBounds } from "../../catalog/guardrails";
import type { Target } from "../../probes/checks";

export interface PlatformUrls {
    readonly api: string;
    readonly identity: string;
    readonly portal: string;
}

export interface Exchange {
    /** 1 for the first request to this path on this surface. */
    readonly hit: number;
    readonly urls: PlatformUrls;
}

export type RouteHandler = (request: IncomingMessage, response: ServerResponse, exchange: Exchange) => void;

type PerTarget<T> = { readonly [K in Target]?: Readonly<Record<string, T>> };

export interface FakePlatformOptions {
    readonly tls: { readonly key: string; readonly cert: string };
    /** Replaces the healthy answer of a path on one surface. */
    readonly overrides?: PerTarget<RouteHandler>;
    /** Artificial latency before answering a path on one surface. */
    readonly delaysMs?: PerTarget<number>;
}

export interface FakePlatform {
    readonly urls: PlatformUrls;
    /** How many requests a path on a surface received. */
    hits(target: Target, path: string): number;
    close(): Promise<void>;
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    response.writeHead(status, { "content-type": "application/json", ...headers });
    response.end(JSON.stringify(body));
}

export function sendText(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
    response.writeHead(status, { "content-type": "text/plain", ...headers });
    response.end(body);
}

export const oneYearHsts = `max-age=${hstsMaxAgeBounds.default}; includeSubDomains`;

/** What a healthy deployment answers, per surface and path. */
export const healthyRoutes: { readonly [K in Target]: Readonly<Record<string, RouteHandler>> } = {
    api: {
        "/api/health/ready": (_request, response) => sendJson(response, 200, { status: "ready" }),
        "/api/health/features": (_request, response) => sendJson(response, 200, { genericExecutor: false }),
        "/api/production/queue/heartbeat": (_request, response) =>
            sendJson(response, 200, { status: { status: "pass", lastBeatAt: new Date().toISOString() } }),
    },
    identity: {
        "/health": (_request, response) => sendJson(response, 200, { status: "ok" }),
        "/version": (_request, response) => sendJson(response, 200, { version: "1.0.0" }),
        "/.well-known/openid-configuration": (_request, response, { urls }) => sendJson(response, 200, openIdConfiguration(urls.identity)),
        "/.well-known/jwks.json": (_request, response) =>
            sendJson(response, 200, { keys: [{ kty: "RSA", kid: "test-key", use: "sig", alg: "RS256", n: "AQAB", e: "AQAB" }] }),
    },
    portal: {
        "/": (_request, response) =>
            sendText(response, 200, "<!doctype html><title>portal</title>", { "strict-transport-security": oneYearHsts }),
    },
};

export function openIdConfiguration(issuer: string): Record<string, unknown> {
    return {
        issuer,
        authorization_endpoint: `${issuer}/oauth2/authorize`,
        token_endpoint: `${issuer}/oauth2/token`,
        jwks_uri: `${issuer}/.well-known/jwks.json`,
        response_types_supported: ["code"],
        code_challenge_methods_supported: ["S256"],
    };
}

export async function startFakePlatform(options: FakePlatformOptions): Promise<FakePlatform> {
    const hitCounts = new Map<string, number>();
    const pendingDelays = new Set<NodeJS.Timeout>();
    const servers: Partial<Record<Target, https.Server>> = {};
    let urls: PlatformUrls | undefined;

    const serve = (target: Target) => (request: IncomingMessage, response: ServerResponse) => {
        const path = new URL(request.url ?? "/", "https://loopback").pathname;
        const key = `${target} ${path}`;
        const hit = (hitCounts.get(key) ?? 0) + 1;
        hitCounts.set(key, hit);
        const handler = options.overrides?.[target]?.[path] ?? healthyRoutes[target][path];
        const answer = (): void => {
            if (handler === undefined) {
                sendText(response, 404, "not found");
            } else {
                handler(request, response, { hit, urls: urls! });
            }
        };
        const delay = options.delaysMs?.[target]?.[path] ?? 0;
        if (delay <= 0) {
            answer();
            return;
        }
        const timer = setTimeout(() => {
            pendingDelays.delete(timer);
            answer();
        }, delay);
        pendingDelays.add(timer);
    };

    const close = async (): Promise<void> => {
        pendingDelays.forEach((timer) => clearTimeout(timer));
        await Promise.all(
            Object.values(servers).map(
                (server) =>
                    new Promise<void>((resolve) => {
                        // Fault routes leave requests hanging on purpose; drop them instead of waiting.
                        server.closeAllConnections();
                        server.close(() => resolve());
                    }),
            ),
        );
    };

    try {
        const listening: Record<string, string> = {};
        for (const target of ["api", "identity", "portal"] as const) {
            const server = https.createServer({ key: options.tls.key, cert: options.tls.cert }, serve(target));
            servers[target] = server;
            await new Promise<void>((resolve, reject) => {
                server.once("error", reject);
                server.listen(0, "127.0.0.1", () => resolve());
            });
            listening[target] = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
        }
        urls = { api: listening["api"]!, identity: listening["identity"]!, portal: listening["portal"]! };
    } catch (error) {
        await close();
        throw error;
    }

    return {
        urls,
        hits: (target, path) => hitCounts.get(`${target} ${path}`) ?? 0,
        close,
    };
}
