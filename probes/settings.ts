/**
 * Where a probe run's settings come from, in order of precedence: command-line flags, then the
 * outputs of `--stack`, then `SMOKE_*` environment variables (how the Pulumi component passes them),
 * then defaults. Every rejection is a `UsageError` whose message names the setting and the fix.
 */
import { promises as fs } from "node:fs";
import type { ProbeTargets } from "./run";
import { StackOutputReader, probeOutputNames } from "./stackOutputs";
import { parseHttpUrl, redactUrl } from "./urls";

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

/** Environment fallbacks; the SmokeProbes component sets these rather than building a command line. */
export const smokeEnvironment = {
    api: "SMOKE_API_URL",
    identity: "SMOKE_IDENTITY_URL",
    portal: "SMOKE_PORTAL_URL",
    issuer: "SMOKE_ISSUER",
    deadline: "SMOKE_DEADLINE_SECONDS",
    ca: "SMOKE_CA_FILE",
} as const;

export const defaultDeadlineSeconds = 120;
/** An hour is far beyond any rollout; a larger value is a unit mistake (milliseconds). */
export const deadlineBoundsSeconds = { min: 1, max: 3600 } as const;

export interface ProbeFlags {
    readonly api?: string;
    readonly identity?: string;
    readonly portal?: string;
    readonly issuer?: string;
    readonly deadline?: string;
    readonly ca?: string;
    readonly stack?: string;
}

export interface ProbeSettings {
    readonly targets: ProbeTargets;
    readonly deadlineMs: number;
    readonly ca?: string;
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
            [environment[smokeEnvironment[key]], smokeEnvironment[key]],
        );

    const api = validUrl(required(pick("api"), "api", "the API base URL"));
    const identity = validUrl(required(pick("identity"), "identity", "the identity service base URL"));
    const portalSetting = required(pick("portal"), "portal", "the portal URL");
    const portal = validUrl(portalSetting);
    if (portal.protocol !== "https:") {
        throw new UsageError(
            `${portalSetting.source} must be an https:// URL (got ${redactUrl(portal)}): the HSTS check means nothing over plain HTTP`,
        );
    }
    const issuerSetting = pick("issuer");
    if (issuerSetting !== undefined) {
        validUrl(issuerSetting);
    }
    const deadline = firstSet([flags.deadline, "--deadline"], [environment[smokeEnvironment.deadline], smokeEnvironment.deadline]);
    const caFile = firstSet([flags.ca, "--ca"], [environment[smokeEnvironment.ca], smokeEnvironment.ca]);
    const ca = caFile === undefined ? undefined : await readCaFile(caFile);
    return {
        // The issuer stays the string given: OIDC compares issuers as strings, URL parsing would normalise it.
        targets: { api, identity, portal, ...(issuerSetting === undefined ? {} : { issuer: issuerSetting.value }) },
        deadlineMs: (deadline === undefined ? defaultDeadlineSeconds : parseDeadlineSeconds(deadline)) * 1000,
        ...(ca === undefined ? {} : { ca }),
    };
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
            `missing ${what}: pass --${flag} <url>, set ${smokeEnvironment[flag]}, or read it from a stack with --stack <name> (output ${probeOutputNames[flag]})`,
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
    const seconds = /^\d+(\.\d+)?$/.test(setting.value) ? Number(setting.value) : Number.NaN;
    if (!(seconds >= deadlineBoundsSeconds.min && seconds <= deadlineBoundsSeconds.max)) {
        throw new UsageError(
            `${setting.source} must be a number of seconds from ${deadlineBoundsSeconds.min} to ${deadlineBoundsSeconds.max} (got "${setting.value.slice(0, 20)}")`,
        );
    }
    return seconds;
}

async function readCaFile(setting: Sourced): Promise<string> {
    let pem: string;
    try {
        pem = await fs.readFile(setting.value, "utf8");
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? "unreadable";
        throw new UsageError(`cannot read the CA file given by ${setting.source} (${setting.value}): ${code}`);
    }
    if (!pem.includes("-----BEGIN CERTIFICATE-----")) {
        throw new UsageError(`the file given by ${setting.source} (${setting.value}) holds no PEM certificate`);
    }
    return pem;
}
