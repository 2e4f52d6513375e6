/**
 * The smoke probe command: the release gate CI runs and the post-deploy step of `pulumi up` (through
 * the SmokeProbes component), one definition of healthy for both.
 *
 * Exit codes: 0 every check passed, 1 a check failed, 2 bad usage. Errors are one line, never a stack trace.
 */
import { parseArgs } from "node:util";
import { renderJson, renderTable } from "./report";
import { ProbeReport, ProbeRunOptions, runProbes } from "./run";
import { ProbeFlags, UsageError, deadlineBoundsSeconds, defaultDeadlineSeconds, resolveSettings, smokeEnvVars } from "./settings";
import { StackOutputReader, StackOutputsError, readPulumiStackOutputs } from "./stackOutputs";

export const exitCodes = { passed: 0, failed: 1, usage: 2 } as const;
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

export const usage = `Usage: npm run smoke -- --api <url> --identity <url> --portal <url> [--issuer <url>]
                        [--deadline <seconds>] [--json] [--ca <pem file>] [--local]
       npm run smoke -- --stack <name> [--deadline <seconds>] [--json] [--ca <pem file>]

  --api, --identity, --portal  base URLs of the public surfaces (the portal must be https://)
  --issuer                     OIDC issuer the identity service must announce (default: the identity URL);
                               it and the JWKS must be https:// except on the local stack
  --stack                      read apiUrl, identityUrl, portalUrl, identityIssuer from \`pulumi stack output\`
  --deadline                   seconds for the whole run, retries and TLS handshakes included, ${deadlineBoundsSeconds.min}-${deadlineBoundsSeconds.max} (default ${defaultDeadlineSeconds})
  --ca                         PEM file of an extra CA to trust (private or self-signed certificates)
  --local                      the local stack: allow a plain-http issuer and JWKS (implied by --stack local)
  --json                       print the report as JSON instead of a table

Environment fallbacks: ${Object.values(smokeEnvVars).join(", ")}.
Exit codes: 0 every check passed, 1 a check failed, 2 bad usage.
`;

const optionSpec = {
    api: { type: "string" },
    identity: { type: "string" },
    portal: { type: "string" },
    issuer: { type: "string" },
    deadline: { type: "string" },
    ca: { type: "string" },
    stack: { type: "string" },
    local: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
} as const;

export interface CliIo {
    readonly stdout: (text: string) => void;
    readonly stderr: (text: string) => void;
}

export interface CliDependencies {
    readonly readStackOutputs: StackOutputReader;
    readonly runProbes: (options: ProbeRunOptions) => Promise<ProbeReport>;
}

const realDependencies: CliDependencies = { readStackOutputs: readPulumiStackOutputs, runProbes };

export async function main(
    argv: readonly string[],
    environment: Readonly<Record<string, string | undefined>>,
    io: CliIo,
    dependencies: CliDependencies = realDependencies,
): Promise<ExitCode> {
    try {
        const { json, help, ...flags } = parseCommandLine(argv);
        if (help) {
            io.stdout(usage);
            return exitCodes.passed;
        }
        const settings = await resolveSettings(flags satisfies ProbeFlags, environment, dependencies.readStackOutputs);
        const report = await dependencies.runProbes(settings);
        io.stdout(json ? renderJson(report) : renderTable(report));
        return report.passed ? exitCodes.passed : exitCodes.failed;
    } catch (error) {
        if (error instanceof UsageError && !error.showUsage) {
            io.stderr(`smoke: ${error.message}\n`);
            return exitCodes.usage;
        }
        if (error instanceof UsageError || error instanceof StackOutputsError) {
            io.stderr(`smoke: ${error.message}\n\n${usage}`);
            return exitCodes.usage;
        }
        // Unexpected, so not "bad usage"; still one line, and never a pass.
        io.stderr(`smoke: internal error: ${firstLine(error instanceof Error ? error.message : String(error))}\n`);
        return exitCodes.failed;
    }
}

function parseCommandLine(argv: readonly string[]) {
    try {
        return parseArgs({ args: attachNegativeNumbers(argv), options: optionSpec, strict: true, allowPositionals: false }).values;
    } catch (error) {
        const message = firstLine(error instanceof Error ? error.message : String(error));
        const ambiguous = /^Option '(--[a-z]+)' argument is ambiguous/.exec(message);
        if (ambiguous !== null) {
            throw new UsageError(`${ambiguous[1]} needs a value; to give one that starts with "-", write ${ambiguous[1]}=<value>`);
        }
        // parseArgs explains itself (`Unknown option '--apu'`); its advice about `--` is noise here.
        throw new UsageError(message);
    }
}

/**
 * parseArgs reads the `-5` of `--deadline -5` as an option and gives up with "argument is ambiguous";
 * joined as `--deadline=-5`, the value reaches the setting's own check and its clear message.
 */
function attachNegativeNumbers(argv: readonly string[]): string[] {
    const stringOptions = new Set(
        Object.entries(optionSpec)
            .filter(([, spec]) => spec.type === "string")
            .map(([name]) => `--${name}`),
    );
    const args: string[] = [];
    for (let index = 0; index < argv.length; index += 1) {
        const arg = argv[index]!;
        const value = argv[index + 1];
        if (stringOptions.has(arg) && value !== undefined && /^-\.?\d/.test(value)) {
            args.push(`${arg}=${value}`);
            index += 1;
        } else {
            args.push(arg);
        }
    }
    return args;
}

function firstLine(text: string): string {
    return text.split("\n")[0] ?? "";
}

if (require.main === module) {
    void main(process.argv.slice(2), process.env, {
        stdout: (text) => process.stdout.write(text),
        stderr: (text) => process.stderr.write(text),
    }).then((code) => {
        process.exitCode = code;
    });
}
