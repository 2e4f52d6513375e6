/**
 * Post-deploy smoke probes: after every workload of a rollout, `pulumi up` runs the same probe CLI the
 * release gate runs (`npm run smoke`), so there is one definition of healthy. A failing probe exits
 * non-zero and fails the update.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { smokeProbeMarker } from "../../catalog/labels";
import { deadlineBoundsSeconds, smokeEnvVars } from "../../probes/settings";
import { parseHttpUrl } from "../../probes/urls";

export interface SmokeProbesArgs {
    /** Whether to probe at all; false declares nothing (the local stack only renders manifests). */
    readonly enabled: boolean;
    /** Base URL of the public API (the web process), e.g. `https://api.example.com`. */
    readonly apiUrl: pulumi.Input<string>;
    /** Base URL of the identity service, e.g. `https://identity.example.com`. */
    readonly identityUrl: pulumi.Input<string>;
    /** URL of the portal; https, since the probe checks its HSTS header. */
    readonly portalUrl: pulumi.Input<string>;
    /** OIDC issuer the identity service must announce; the identity URL when absent. */
    readonly issuer?: pulumi.Input<string>;
    /** Budget of the whole probe run in seconds, retries included (catalog/guardrails.ts `probeDeadlineBounds`). */
    readonly deadlineSeconds?: pulumi.Input<number>;
    /** Values whose change re-runs the probes: image refs, config and pod-template hashes. */
    readonly triggers: pulumi.Input<string>[];
    /** PEM file of an extra CA to trust (private certificates), on the machine that runs `pulumi up`. */
    readonly caFile?: pulumi.Input<string>;
    /** The workloads the probes wait for: every Deployment (and edge resource) of the rollout. */
    readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Names the probe suite in the Command's environment; the stack policy finds the probe by it. */
export const postDeploySuite = "post-deploy";

/**
 * Run from the repository root with ts-node's register hook, like `npm run smoke` (npm itself is
 * skipped: its banner and update notices would clutter the update log). A constant string: every
 * value reaches the CLI through the environment, so nothing is ever interpolated into a shell line.
 */
export const probeCommand = "node --require ts-node/register/transpile-only probes/cli.ts";

export class SmokeProbes extends pulumi.ComponentResource {
    /** The probe run; undefined when the probes are disabled. */
    readonly run: command.local.Command | undefined;

    constructor(name: string, args: SmokeProbesArgs, opts?: pulumi.ComponentResourceOptions) {
        validateSmokeProbesArgs(name, args);
        // The args stay out of the component's recorded inputs: URLs may carry credentials one day.
        super("grownext:probes:SmokeProbes", name, {}, opts);

        this.run = args.enabled
            ? new command.local.Command(
                  `${name}-run`,
                  {
                      create: probeCommand,
                      dir: repositoryRoot(),
                      environment: smokeProbeEnv(args),
                      triggers: args.triggers,
                      // The previous report is in state already; feeding it back into the environment adds nothing.
                      addPreviousOutputInEnv: false,
                  },
                  { parent: this, dependsOn: args.dependsOn },
              )
            : undefined;

        this.registerOutputs({ report: this.run?.stdout });
    }
}

/** The probe CLI's environment fallbacks (see probes/settings.ts), plus the suite marker the policy looks for. */
export function smokeProbeEnv(args: SmokeProbesArgs): Record<string, pulumi.Input<string>> {
    const environment: Record<string, pulumi.Input<string>> = {
        [smokeEnvVars.api]: args.apiUrl,
        [smokeEnvVars.identity]: args.identityUrl,
        [smokeEnvVars.portal]: args.portalUrl,
        [smokeProbeMarker]: postDeploySuite,
    };
    if (args.issuer !== undefined) {
        environment[smokeEnvVars.issuer] = args.issuer;
    }
    if (args.deadlineSeconds !== undefined) {
        environment[smokeEnvVars.deadline] = pulumi.output(args.deadlineSeconds).apply(String);
    }
    if (args.caFile !== undefined) {
        environment[smokeEnvVars.ca] = args.caFile;
    }
    return environment;
}

/**
 * Checks what is known while the program runs. Values that are Outputs (known only during the update)
 * are checked by the probe CLI itself, which exits 2 with the same kind of message.
 */
export function validateSmokeProbesArgs(name: string, args: SmokeProbesArgs): void {
    const problem = (text: string): Error => new pulumi.RunError(`SmokeProbes ${name}: ${text}`);
    if (typeof args.enabled !== "boolean") {
        throw problem("enabled must be true or false; pass false for stacks that only render manifests");
    }
    const deadline = args.deadlineSeconds;
    if (typeof deadline === "number" && !(deadline >= deadlineBoundsSeconds.min && deadline <= deadlineBoundsSeconds.max)) {
        throw problem(
            `deadlineSeconds must be from ${deadlineBoundsSeconds.min} to ${deadlineBoundsSeconds.max} (got ${deadline}); ` +
                "it bounds the whole probe run, retries included, so set it to the seconds a rollout may take to turn healthy",
        );
    }
    for (const [field, value] of [
        ["apiUrl", args.apiUrl],
        ["identityUrl", args.identityUrl],
        ["portalUrl", args.portalUrl],
        ["issuer", args.issuer],
    ] as const) {
        if (typeof value === "string" && parseHttpUrl(value) === undefined) {
            throw problem(`${field} must be an absolute http(s) URL such as https://${field.replace(/Url$/, "")}.example.com`);
        }
    }
    if (typeof args.portalUrl === "string" && !args.portalUrl.startsWith("https://")) {
        throw problem("portalUrl must be an https:// URL: the probe checks the portal's HSTS header, which browsers ignore over HTTP");
    }
    if (!Array.isArray(args.triggers)) {
        throw problem("triggers must be an array (image refs and config hashes whose change re-runs the probes)");
    }
    if (args.enabled && (!Array.isArray(args.dependsOn) || args.dependsOn.length === 0)) {
        throw problem("dependsOn is empty; pass the workloads of the rollout, or the probes would run before them");
    }
}

/** The directory holding package.json above this file, under ts-node (components/) or compiled (bin/components/). */
export function repositoryRoot(start: string = __dirname): string {
    for (let directory = start; ; directory = path.dirname(directory)) {
        if (fs.existsSync(path.join(directory, "package.json"))) {
            return directory;
        }
        if (path.dirname(directory) === directory) {
            throw new pulumi.RunError(`SmokeProbes: no package.json above ${start}; run the program from a checkout of the repository`);
        }
    }
}
