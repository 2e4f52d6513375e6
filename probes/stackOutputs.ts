/**
 * Reads a stack's outputs through the Pulumi CLI, so the release gate probes exactly the URLs the
 * program exported (`apiUrl`, `identityUrl`, `portalUrl`, `identityIssuer`).
 */
import { execFile } from "node:child_process";

/** The stack output names the platform program exports for the probes. */
export const probeOutputNames = {
    api: "apiUrl",
    identity: "identityUrl",
    portal: "portalUrl",
    issuer: "identityIssuer",
} as const;

export type StackOutputReader = (stack: string) => Promise<Record<string, unknown>>;

/** Reading the outputs failed for a reason the caller must fix (missing CLI, unknown stack, ...). */
export class StackOutputsError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackOutputsError";
    }
}

/** Without `--show-secrets`, secret outputs read as "[secret]": the probe URLs are not secrets. */
export const readPulumiStackOutputs: StackOutputReader = (stack) =>
    new Promise((resolve, reject) => {
        // execFile, not a shell: the stack name is passed as one argument, never interpreted.
        execFile(
            "pulumi",
            ["stack", "output", "--json", `--stack=${stack}`],
            { timeout: 60_000, maxBuffer: 8 * 1024 * 1024, env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" } },
            (error, stdout, stderr) => {
                if (error) {
                    const code = (error as NodeJS.ErrnoException).code;
                    const reason =
                        code === "ENOENT"
                            ? "the pulumi CLI is not on PATH"
                            : (firstNonEmptyLine(String(stderr)) ?? firstNonEmptyLine(error.message) ?? "it failed");
                    reject(new StackOutputsError(`could not read the outputs of stack "${stack}": ${reason}`));
                    return;
                }
                try {
                    const outputs: unknown = JSON.parse(String(stdout));
                    if (typeof outputs !== "object" || outputs === null || Array.isArray(outputs)) {
                        throw new Error("not an object");
                    }
                    resolve(outputs as Record<string, unknown>);
                } catch {
                    reject(new StackOutputsError(`pulumi stack output --json for stack "${stack}" did not print a JSON object`));
                }
            },
        );
    });

function firstNonEmptyLine(text: string): string | undefined {
    return text
        .split("\n")
        .map((line) => line.trim())
        .find((line) => line !== "");
}
