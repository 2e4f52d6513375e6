/**
 * Where a probe run's settings come from, in order of precedence: command-line flags, then the
 * outputs of `--stack`, then `SMOKE_*` environment variables (how the Pulumi component passes them),
 * then defaults. Every rejection is a `UsageError` whose message names the setting and the fix.
 */
import { X509Certificate } from "node:crypto";
import { promises as fs } from "node:fs";
import * as tls from "node:tls";
import { probeDeadlineBounds } from "../catalog/guardrails";
import type { ProbeTargets } from "./run";
import { StackOutputReader, probeOutputNames } from "./stackOutputs";
import { parseHttpUrl, redactUrl } from "./urls";

export class UsageError extends Error {
    /**
     * @param showUsage whether the usage text helps: it does for a wrong flag, not for a file whose
     * content is wrong, where the one line naming the file is the whole answer.
     */
    constructor(
        message: string,
        readonly showUsage: boolean = true,
    ) {
        super(message);
        this.name = "UsageError";
    }
}

/** Environment fallbacks; the SmokeProbes component sets these rather than building a command line. */
export const smokeEnvVars = {
    api: "SMOKE_API_URL",
    identity: "SMOKE_IDENTITY_URL",
    portal: "SMOKE_PORTAL_URL",
    issuer: "SMOKE_ISSUER",
    deadline: "SMOKE_DEADLINE_SECONDS",
    ca: "SMOKE_CA_FILE",
    local: "SMOKE_LOCAL",
} as const;

/** The stack whose issuer and JWKS may be plain http (a laptop cluster); `--stack local` implies `--local`. */
export const localStackName = "local";

/** The deadline's default and bounds: the same numbers `probes.deadlineSeconds` is held to (catalog/guardrails.ts). */
export const defaultDeadlineSeconds = probeDeadlineBounds.default;
export const deadlineBoundsSeconds = { min: probeDeadlineBounds.min, max: probeDeadlineBounds.max } as const;

export interface ProbeFlags {
    readonly api?: string;
    readonly identity?: string;
    readonly portal?: string;
    readonly issuer?: string;
    readonly deadline?: string;
    readonly ca?: string;
    readonly stack?: string;
    readonly local?: boolean;
}

export interface ProbeSettings {
    readonly targets: ProbeTargets;
    readonly deadlineMs: number;
    readonly ca?: string;
    /** The local stack: plain-http issuer and JWKS allowed. */
    readonly local: boolean;
}

interface Sourced {
    readonly value: string;
    /** How the user set it (`--api`, `stack output apiUrl`, `SMOKE_API_URL`), for error messages. */
    readonly source: string;
}

type Environment = Readonly<Record<string, string | undefined>>;

export async function resolveSettings(
    flags: ProbeFlags,
    environment: Environment,
    readStackOutputs: StackOutputReader,
): Promise<ProbeSettings> {
    const outputs = flags.stack === undefined ? {} : await readStackOutputs(flags.stack);
    const pick = (key: keyof typeof probeOutputNames): Sourced | undefined =>
        firstSet(
            [flags[key], `--${key}`],
            [stringOutput(outputs, probeOutputNames[key]), `stack output ${probeOutputNames[key]}`],
            [environment[smokeEnvVars[key]], smokeEnvVars[key]],
        );

    const api = validUrl(required(pick("api"), "api", "the API base URL"));
    const identitySetting = required(pick("identity"), "identity", "the identity service base URL");
    const identity = validUrl(identitySetting);
    const portalSetting = required(pick("portal"), "portal", "the portal URL");
    const portal = validUrl(portalSetting);
    if (portal.protocol !== "https:") {
        throw new UsageError(
            `${portalSetting.source} must be an https:// URL (got ${redactUrl(portal)}): the HSTS check means nothing over plain HTTP`,
        );
    }
    const local = isLocal(flags, environment);
    const issuerSetting = pick("issuer");
    const issuer = issuerSetting === undefined ? undefined : validUrl(issuerSetting);
    if (!local) {
        requireHttpsIssuer(
            issuer === undefined
                ? { url: identity, source: `${identitySetting.source} (the issuer when --issuer is not given)` }
                : { url: issuer, source: issuerSetting!.source },
        );
    }
    const deadline = firstSet([flags.deadline, "--deadline"], [environment[smokeEnvVars.deadline], smokeEnvVars.deadline]);
    const caFile = firstSet([flags.ca, "--ca"], [environment[smokeEnvVars.ca], smokeEnvVars.ca]);
    const ca = caFile === undefined ? undefined : await readCaFile(caFile);
    return {
        // The issuer stays the string given: OIDC compares issuers as strings, URL parsing would normalise it.
        targets: { api, identity, portal, ...(issuerSetting === undefined ? {} : { issuer: issuerSetting.value }) },
        deadlineMs: (deadline === undefined ? defaultDeadlineSeconds : parseDeadlineSeconds(deadline)) * 1000,
        ...(ca === undefined ? {} : { ca }),
        local,
    };
}

function isLocal(flags: ProbeFlags, environment: Environment): boolean {
    if (flags.local === true || flags.stack?.split("/").pop() === localStackName) {
        return true;
    }
    const setting = environment[smokeEnvVars.local]?.trim().toLowerCase();
    if (setting === undefined || setting === "" || setting === "false" || setting === "0") {
        return false;
    }
    if (setting === "true" || setting === "1") {
        return true;
    }
    throw new UsageError(`${smokeEnvVars.local} must be true or false (got "${setting.slice(0, 20)}")`);
}

/** OIDC requires TLS for the issuer: keys and tokens from a plain-http issuer can be swapped by anyone on the path. */
function requireHttpsIssuer({ url, source }: { readonly url: URL; readonly source: string }): void {
    if (url.protocol !== "https:") {
        throw new UsageError(
            `${source} must be an https:// URL outside the local stack (got ${redactUrl(url)}): the OIDC issuer and its JWKS must be served over TLS; pass --local only for a local cluster`,
        );
    }
}

function firstSet(...candidates: ReadonlyArray<readonly [string | undefined, string]>): Sourced | undefined {
    for (const [value, source] of candidates) {
        // An empty variable is how CI templates say "not set"; it must not hide the next source.
        if (value !== undefined && value.trim() !== "") {
            return { value: value.trim(), source };
        }
    }
    return undefined;
}

function stringOutput(outputs: Record<string, unknown>, name: string): string | undefined {
    const value = outputs[name];
    return typeof value === "string" ? value : undefined;
}

function required(setting: Sourced | undefined, flag: keyof typeof probeOutputNames, what: string): Sourced {
    if (setting === undefined) {
        throw new UsageError(
            `missing ${what}: pass --${flag} <url>, set ${smokeEnvVars[flag]}, or read it from a stack with --stack <name> (output ${probeOutputNames[flag]})`,
        );
    }
    return setting;
}

function validUrl(setting: Sourced): URL {
    const url = parseHttpUrl(setting.value);
    if (url === undefined) {
        // The value is not echoed: a mistyped argument may be a pasted credential.
        throw new UsageError(`${setting.source} must be an absolute http(s) URL such as https://api.example.com`);
    }
    return url;
}

/** Accepts plain decimal seconds only: `90` or `2.5`, not `1e3`, `0x10` or `90s`. */
export function parseDeadlineSeconds(setting: Sourced): number {
    const range = `from ${deadlineBoundsSeconds.min} to ${deadlineBoundsSeconds.max}`;
    const got = `(got "${setting.value.slice(0, 20)}")`;
    if (/^-\s*\d/.test(setting.value)) {
        throw new UsageError(`${setting.source} must be a positive number of seconds ${range}; a deadline cannot be negative ${got}`);
    }
    if (!/^\d+(\.\d+)?$/.test(setting.value)) {
        throw new UsageError(`${setting.source} must be a plain number of seconds ${range}, such as 120 or 2.5, without a unit ${got}`);
    }
    const seconds = Number(setting.value);
    if (!(seconds >= deadlineBoundsSeconds.min && seconds <= deadlineBoundsSeconds.max)) {
        throw new UsageError(`${setting.source} must be a number of seconds ${range} ${got}`);
    }
    return seconds;
}

const pemCertificate = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/**
 * Reads the `--ca` file and proves it holds at least one certificate node can trust, so that a wrong
 * file is one usage line naming it, not a TLS error on every check later. Content is never echoed:
 * someone may point --ca at a private key.
 */
async function readCaFile(setting: Sourced): Promise<string> {
    const refuse = (why: string): UsageError =>
        new UsageError(
            `the CA file given by ${setting.source} (${setting.value}) ${why}; give a PEM file holding the CA certificate`,
            false,
        );
    let pem: string;
    try {
        pem = await fs.readFile(setting.value, "utf8");
    } catch (error) {
        throw refuse(`cannot be read (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`);
    }
    const blocks = pem.match(pemCertificate) ?? [];
    if (blocks.length === 0) {
        throw refuse("holds no PEM certificate");
    }
    for (const [index, block] of blocks.entries()) {
        try {
            new X509Certificate(block);
        } catch {
            throw refuse(`holds a CERTIFICATE block (number ${index + 1}) that is not a valid X.509 certificate`);
        }
    }
    try {
        tls.createSecureContext({ ca: pem });
    } catch {
        throw refuse("cannot be used as a TLS trust anchor");
    }
    return pem;
}
