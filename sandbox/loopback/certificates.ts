/**
 * A throwaway CA and a server certificate for 127.0.0.1/localhost, made with the system `openssl` in a
 * temporary directory: the probe tests and the bench speak real TLS, verified against this CA, rather
 * than turning verification off.
 */
import { execFile } from "node:child_process";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface LoopbackCertificates {
    readonly directory: string;
    /** Path of the CA certificate (PEM), for `--ca` and `NODE_EXTRA_CA_CERTS`. */
    readonly caFile: string;
    readonly caPem: string;
    readonly serverKeyPem: string;
    readonly serverCertPem: string;
    /** Removes the temporary directory. */
    readonly remove: () => Promise<void>;
}

export async function createLoopbackCertificates(): Promise<LoopbackCertificates> {
    const directory = await fs.mkdtemp(path.join(os.tmpdir(), "smoke-probes-tls-"));
    const file = (name: string): string => path.join(directory, name);
    // P-256 keys: generated in milliseconds, unlike RSA.
    const newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    try {
        await run("openssl", [
            "req",
            "-x509",
            ...newKey,
            "-keyout",
            file("ca.key"),
            "-out",
            file("ca.pem"),
            "-days",
            "2",
            "-subj",
            "/CN=grownext smoke probes test CA",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ]);
        await run("openssl", ["req", ...newKey, "-keyout", file("server.key"), "-out", file("server.csr"), "-subj", "/CN=127.0.0.1"]);
        await fs.writeFile(
            file("server.ext"),
            [
                "subjectAltName=IP:127.0.0.1,DNS:localhost",
                "basicConstraints=critical,CA:FALSE",
                "keyUsage=critical,digitalSignature",
                "extendedKeyUsage=serverAuth",
            ].join("\n"),
        );
        await run("openssl", [
            "x509",
            "-req",
            "-in",
            file("server.csr"),
            "-CA",
            file("ca.pem"),
            "-CAkey",
            file("ca.key"),
            "-CAcreateserial",
            "-out",
            file("server.pem"),
            "-days",
            "2",
            "-extfile",
            file("server.ext"),
        ]);
        const [caPem, serverKeyPem, serverCertPem] = await Promise.all(
            ["ca.pem", "server.key", "server.pem"].map((name) => fs.readFile(file(name), "utf8")),
        );
        return {
            directory,
            caFile: file("ca.pem"),
            caPem: caPem!,
            serverKeyPem: serverKeyPem!,
            serverCertPem: serverCertPem!,
            remove: () => fs.rm(directory, { recursive: true, force: true }),
        };
    } catch (error) {
        await fs.rm(directory, { recursive: true, force: true });
        throw error;
    }
}
