/**
 * Loopback servers that misbehave below HTTP, for the fault tests and the bench: a server that
 * accepts TCP connections and never says a word (so a TLS handshake hangs), and a plain-HTTP server
 * (where a redirect or a discovery document points when it leaves https).
 */
import * as http from "node:http";
import * as net from "node:net";
import type { RequestListener } from "node:http";

export interface LoopbackServer {
    /** `https://127.0.0.1:<port>` for the silent server, `http://127.0.0.1:<port>` for the plain one. */
    readonly url: string;
    /** TCP connections accepted so far. */
    connections(): number;
    /** HTTP requests received so far (always 0 for the silent server). */
    requests(): number;
    close(): Promise<void>;
}

/** Accepts TCP and then holds the connection open in silence: a TLS client waits for a ServerHello that never comes. */
export function startSilentTlsServer(): Promise<LoopbackServer> {
    const sockets = new Set<net.Socket>();
    let accepted = 0;
    const server = net.createServer((socket) => {
        accepted += 1;
        sockets.add(socket);
        socket.on("error", () => undefined);
        socket.on("close", () => sockets.delete(socket));
    });
    return listen(server, "https", {
        connections: () => accepted,
        requests: () => 0,
        dropConnections: () => sockets.forEach((socket) => socket.destroy()),
    });
}

/** A plain-HTTP server answering every request with `handler`. */
export function startPlainHttpServer(handler: RequestListener): Promise<LoopbackServer> {
    let accepted = 0;
    let received = 0;
    const server = http.createServer((request, response) => {
        received += 1;
        handler(request, response);
    });
    server.on("connection", () => (accepted += 1));
    return listen(server, "http", {
        connections: () => accepted,
        requests: () => received,
        dropConnections: () => server.closeAllConnections(),
    });
}

interface Counters {
    connections(): number;
    requests(): number;
    dropConnections(): void;
}

async function listen(server: net.Server, scheme: "http" | "https", counters: Counters): Promise<LoopbackServer> {
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as net.AddressInfo;
    return {
        url: `${scheme}://127.0.0.1:${port}`,
        connections: () => counters.connections(),
        requests: () => counters.requests(),
        close: () =>
            new Promise<void>((resolve) => {
                counters.dropConnections();
                server.close(() => resolve());
            }),
    };
}
