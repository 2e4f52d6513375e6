#!/usr/bin/env node
/**
 * Checks, before any cloud call, that the repository is wired for the chosen state backend and
 * secrets provider, and says what to set when it is not. Two supported setups:
 *
 * - Pulumi Cloud: `PULUMI_BACKEND_URL` unset (or an https:// self-hosted service URL) and the
 *   `PULUMI_ACCESS_TOKEN` secret set; secrets use the service's per-stack keys, or awskms.
 * - Self-managed: `PULUMI_BACKEND_URL=s3://<bucket>` and `PULUMI_SECRETS_PROVIDER=awskms://<key>`,
 *   both reached through the job's OIDC role; no long-lived secret at all.
 *
 * A stack's secrets provider is recorded in `Pulumi.<stack>.yaml` when the stack is created (CI never
 * creates stacks); the variable must name the same provider, so a mistyped key fails here, not
 * halfway through an update. Passphrase stacks are refused: CI carries no passphrase.
 *
 * Environment: PULUMI_BACKEND_URL, PULUMI_SECRETS_PROVIDER, PULUMI_TOKEN_PRESENT ("true"/"false"),
 * STACK_NAME (stack name without organization), ROLE_VARIABLE (name of the role ARN variable),
 * ROLE_ARN (its value), AWS_REGION.
 */
"use strict";

const fs = require("node:fs");
const YAML = require("yaml");

const roleArnPattern = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * @returns {{ errors: string[], notes: string[] }} every problem with the fix it needs, and a
 * description of the setup when there is none.
 */
function checkPulumiSettings(s) {
    const errors = [];
    const notes = [];
    const backendUrl = (s.backendUrl ?? "").trim();
    const secretsProvider = (s.secretsProvider ?? "").trim();
    const stackFile = `Pulumi.${s.stackName}.yaml`;

    if (!s.roleArn) {
        errors.push(
            `the ${s.roleVariable} variable is not set: set it to the role ARN that ci-oidc exported for this job (see docs/ci-cd.md)`,
        );
    } else if (!roleArnPattern.test(s.roleArn)) {
        errors.push(`${s.roleVariable} must be an IAM role ARN like arn:aws:iam::123456789012:role/name (got "${s.roleArn}")`);
    }
    if (!s.region) errors.push("the AWS_REGION variable is not set: set it to the region of the stacks, e.g. eu-west-1");

    let selfManaged = false;
    if (backendUrl === "" || backendUrl.startsWith("https://")) {
        if (!s.tokenPresent) {
            errors.push(
                "no state backend: add the PULUMI_ACCESS_TOKEN secret (Pulumi Cloud), " +
                    "or set the PULUMI_BACKEND_URL variable to s3://<bucket> (self-managed, with PULUMI_SECRETS_PROVIDER)",
            );
        }
        notes.push(`state: Pulumi Cloud (${backendUrl || "https://api.pulumi.com"})`);
    } else if (backendUrl.startsWith("s3://")) {
        selfManaged = true;
        notes.push(`state: ${backendUrl.split("?")[0]}`);
    } else {
        errors.push(
            `PULUMI_BACKEND_URL must be s3://<bucket> or an https:// Pulumi Cloud URL, or be unset for Pulumi Cloud (got "${backendUrl}")`,
        );
    }

    if (secretsProvider !== "" && !secretsProvider.startsWith("awskms://")) {
        errors.push(`PULUMI_SECRETS_PROVIDER must be an awskms:// URL (CI authenticates to AWS only; got "${secretsProvider}")`);
    }

    let recorded;
    if (s.stackFileText === undefined) {
        if (selfManaged || secretsProvider !== "") {
            errors.push(
                `${stackFile} is missing: create the stack once by hand with ` +
                    `\`pulumi stack init ${s.stackName} --secrets-provider "<PULUMI_SECRETS_PROVIDER>"\` and commit the file`,
            );
        }
    } else {
        let doc;
        try {
            doc = YAML.parse(s.stackFileText) ?? {};
        } catch (err) {
            errors.push(`${stackFile} is not valid YAML: ${err.message}`);
            doc = {};
        }
        recorded = typeof doc.secretsprovider === "string" ? doc.secretsprovider.trim() : undefined;
    }

    if (
        recorded === "passphrase" ||
        (recorded === undefined && typeof s.stackFileText === "string" && /^encryptionsalt:/m.test(s.stackFileText))
    ) {
        errors.push(
            `${stackFile} uses a passphrase secrets provider, which CI cannot unlock: ` +
                `run \`pulumi stack change-secrets-provider --stack ${s.stackName} "<awskms://...>"\` and commit the file`,
        );
    } else if (recorded !== undefined && !recorded.startsWith("awskms://")) {
        errors.push(
            `${stackFile} uses the "${recorded.split("://")[0]}" secrets provider; CI reaches AWS KMS only: change it to awskms://`,
        );
    } else if (selfManaged && recorded === undefined && s.stackFileText !== undefined) {
        errors.push(
            `${stackFile} records no secretsprovider, but an s3:// backend has no key service of its own: ` +
                `run \`pulumi stack change-secrets-provider --stack ${s.stackName} "<PULUMI_SECRETS_PROVIDER>"\` and commit the file`,
        );
    }
    if (secretsProvider !== "" && recorded !== undefined && recorded !== secretsProvider) {
        errors.push(`PULUMI_SECRETS_PROVIDER is "${secretsProvider}" but ${stackFile} records "${recorded}": make them the same`);
    }
    if (secretsProvider !== "" && recorded === undefined && s.stackFileText !== undefined && !selfManaged) {
        errors.push(
            `PULUMI_SECRETS_PROVIDER is set but ${stackFile} uses Pulumi Cloud's own keys: unset the variable, ` +
                `or run \`pulumi stack change-secrets-provider --stack ${s.stackName} "${secretsProvider}"\``,
        );
    }
    notes.push(`secrets: ${recorded ?? (selfManaged ? "(none)" : "Pulumi Cloud per-stack keys")}`);
    return { errors, notes };
}

function main() {
    const env = process.env;
    const stackName = env.STACK_NAME;
    if (!stackName) throw new Error("STACK_NAME is not set; the workflow step must pass it in env");
    const stackFile = `Pulumi.${stackName}.yaml`;
    const { errors, notes } = checkPulumiSettings({
        backendUrl: env.PULUMI_BACKEND_URL,
        secretsProvider: env.PULUMI_SECRETS_PROVIDER,
        tokenPresent: env.PULUMI_TOKEN_PRESENT === "true",
        stackName,
        stackFileText: fs.existsSync(stackFile) ? fs.readFileSync(stackFile, "utf8") : undefined,
        roleVariable: env.ROLE_VARIABLE ?? "role ARN",
        roleArn: env.ROLE_ARN,
        region: env.AWS_REGION,
    });
    for (const note of notes) console.log(note);
    for (const error of errors) console.log(`::error title=Pulumi settings (${stackName})::${error}`);
    if (errors.length > 0) process.exit(1);
}

module.exports = { checkPulumiSettings };

if (require.main === module) {
    try {
        main();
    } catch (err) {
        console.log(`::error title=Pulumi settings::${err.message}`);
        process.exit(1);
    }
}
