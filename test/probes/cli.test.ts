/**
 * The probe CLI as a child process: exit codes 0/1/2, one-line usage errors, trust through
 * NODE_EXTRA_CA_CERTS, the SMOKE_* environment, `--stack` through a stand-in `pulumi` on PATH, and the
 * exact command line the SmokeProbes component gives to the Command provider.
 */
import * as assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { probeCommand, smokeProbeEnv } from "../../components/probes/smokeProbes";
import { LoopbackCertificates, createLoopbackCertificates } from "../../sandbox/loopback/certificates";
import { FakePlatform, sendJson, startFakePlatform } from "../../sandbox/loopback/platform";
import { checkOf, failedIds, parseReport, runCliInProcess, runShell, spawnCli, stackTraceLine, targetArgs } from "./harness";

describe("smoke CLI as a process", function () {
    let certificates: LoopbackCertificates;
    let healthy: FakePlatform;
    let fakeBin: string;

    before(async () => {
        certificates = await createLoopbackCertificates();
        healthy = await startFakePlatform({ tls: { key: certificates.serverKeyPem, cert: certificates.serverCertPem } });
        fakeBin = await fs.mkdtemp(path.join(os.tmpdir(), "smoke-fake-pulumi-"));
    });
    after(async () => {
        await healthy?.close();
        await certificates?.remove();
        if (fakeBin) {
            await fs.rm(fakeBin, { recursive: true, force: true });
        }
    });

    /** Usage errors: exit 2, one explanatory line, the usage text, no stack trace, nothing on stdout. */
    function assertUsageError(run: { code: number; stdout: string; stderr: string }, message: RegExp): void {
        assert.equal(run.code, 2, run.stderr);
        assert.equal(run.stdout, "");
        const [firstLine] = run.stderr.split("\n");
        assert.match(firstLine!, message);
        assert.match(run.stderr, /^Usage: npm run smoke -- /m);
        assert.doesNotMatch(run.stderr, stackTraceLine);
    }

    it("exits 0 on a healthy platform trusted through --ca", async () => {
        const run = await spawnCli([...targetArgs(healthy.urls), "--ca", certificates.caFile, "--deadline", "5"]);
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.match(run.stdout, /smoke: PASSED, all 8 checks passed/);
        assert.equal(run.stderr, "");
    });

    it("exits 0 when the CA is trusted through NODE_EXTRA_CA_CERTS instead of --ca", async () => {
        const run = await spawnCli([...targetArgs(healthy.urls), "--deadline", "5"], { NODE_EXTRA_CA_CERTS: certificates.caFile });
        assert.equal(run.code, 0, run.stdout + run.stderr);
    });

    it("exits 1 with a JSON report naming the failed check", async () => {
        const failing = await startFakePlatform({
            tls: { key: certificates.serverKeyPem, cert: certificates.serverCertPem },
            overrides: {
                api: { "/api/production/queue/heartbeat": (_request, response) => sendJson(response, 503, { status: { status: "fail" } }) },
            },
        });
        try {
            const run = await spawnCli([...targetArgs(failing.urls), "--ca", certificates.caFile, "--deadline", "2", "--json"]);
            assert.equal(run.code, 1, run.stderr);
            const report = parseReport(run);
            assert.equal(report.passed, false);
            assert.deepEqual(failedIds(report), ["api.queue-heartbeat"]);
            assert.equal(checkOf(report, "api.queue-heartbeat").observed, "HTTP 503");
            assert.doesNotMatch(run.stdout + run.stderr, stackTraceLine);
        } finally {
            await failing.close();
        }
    });

    it("exits 2 naming the missing URL when no target is given", async () => {
        assertUsageError(
            await spawnCli([]),
            /^smoke: missing the API base URL: pass --api <url>, set SMOKE_API_URL, or read it from a stack/,
        );
    });

    it("exits 2 on an unknown option", async () => {
        assertUsageError(await spawnCli([...targetArgs(healthy.urls), "--deadlin", "5"]), /^smoke: Unknown option '--deadlin'/);
    });

    it("exits 2 on a positional argument", async () => {
        assertUsageError(await spawnCli([...targetArgs(healthy.urls), "production"]), /^smoke: .*positional/i);
    });

    it("exits 2 on a deadline outside 1..3600 seconds", async () => {
        assertUsageError(
            await spawnCli([...targetArgs(healthy.urls), "--deadline", "0"]),
            /^smoke: --deadline must be a number of seconds from 1 to 3600 \(got "0"\)$/,
        );
        assertUsageError(
            await spawnCli([...targetArgs(healthy.urls), "--deadline", "3601"]),
            /^smoke: --deadline must be a number of seconds from 1 to 3600 \(got "3601"\)$/,
        );
    });

    it("exits 2 on a negative deadline, saying so, however it is written", async () => {
        const negative =
            /^smoke: --deadline must be a positive number of seconds from 1 to 3600; a deadline cannot be negative \(got "-5"\)$/;
        assertUsageError(await spawnCli([...targetArgs(healthy.urls), "--deadline", "-5"]), negative);
        // The same code path in-process: spawning is slow on a loaded machine.
        assertUsageError(await runCliInProcess([...targetArgs(healthy.urls), "--deadline=-5"]), negative);
        assertUsageError(await runCliInProcess([...targetArgs(healthy.urls), "--deadline", "-0.5"]), /cannot be negative \(got "-0\.5"\)$/);
        assertUsageError(
            await runCliInProcess(targetArgs(healthy.urls), { SMOKE_DEADLINE_SECONDS: "-5" }),
            /^smoke: SMOKE_DEADLINE_SECONDS must be a positive number of seconds from 1 to 3600; a deadline cannot be negative \(got "-5"\)$/,
        );
    });

    it("exits 2 on a deadline that is not a plain number of seconds", async () => {
        for (const value of ["2m", "abc", "1e3", "0x10"]) {
            assertUsageError(
                await runCliInProcess([...targetArgs(healthy.urls), "--deadline", value]),
                new RegExp(
                    `^smoke: --deadline must be a plain number of seconds from 1 to 3600, such as 120 or 2\\.5, without a unit \\(got "${value}"\\)$`,
                ),
            );
        }
    });

    it("exits 2 on an option whose value is missing, saying how to pass a value that starts with a dash", async () => {
        assertUsageError(
            await runCliInProcess(["--api", "-x"]),
            /^smoke: --api needs a value; to give one that starts with "-", write --api=<value>$/,
        );
    });

    it("exits 2 on a URL that is not absolute, without echoing it", async () => {
        const run = await spawnCli([
            "--api",
            "api.example.com?token=s3cr3t",
            "--identity",
            healthy.urls.identity,
            "--portal",
            healthy.urls.portal,
        ]);
        assertUsageError(run, /^smoke: --api must be an absolute http\(s\) URL such as https:\/\/api\.example\.com$/);
        assert.doesNotMatch(run.stderr, /s3cr3t/);
    });

    it("exits 2 on a plain-HTTP portal and on an unreadable CA file", async () => {
        assertUsageError(
            await spawnCli([...targetArgs(healthy.urls).slice(0, 4), "--portal", "http://portal.example.com"]),
            /^smoke: --portal must be an https:\/\/ URL \(got http:\/\/portal\.example\.com\/\)/,
        );
        // A file problem is one line naming the file; the usage text would not help.
        const run = await spawnCli([...targetArgs(healthy.urls), "--ca", path.join(fakeBin, "missing.pem")]);
        assert.equal(run.code, 2);
        assert.match(
            run.stderr,
            /^smoke: the CA file given by --ca \(.*missing\.pem\) cannot be read \(ENOENT\); give a PEM file holding the CA certificate\n$/,
        );
    });

    it("prints its usage and exits 0 with --help", async () => {
        const run = await spawnCli(["--help"]);
        assert.equal(run.code, 0);
        assert.match(run.stdout, /^Usage: npm run smoke -- --api <url>/);
        assert.match(
            run.stdout,
            /SMOKE_API_URL, SMOKE_IDENTITY_URL, SMOKE_PORTAL_URL, SMOKE_ISSUER, SMOKE_DEADLINE_SECONDS, SMOKE_CA_FILE, SMOKE_LOCAL/,
        );
    });

    it("reads the targets from SMOKE_* variables", async () => {
        const run = await spawnCli([], {
            SMOKE_API_URL: healthy.urls.api,
            SMOKE_IDENTITY_URL: healthy.urls.identity,
            SMOKE_PORTAL_URL: healthy.urls.portal,
            SMOKE_ISSUER: `${healthy.urls.identity}/`,
            SMOKE_DEADLINE_SECONDS: "5",
            SMOKE_CA_FILE: certificates.caFile,
        });
        assert.equal(run.code, 0, run.stdout + run.stderr);
    });

    it("reads the targets from `pulumi stack output --json --stack <name>`", async () => {
        const outputs = {
            apiUrl: healthy.urls.api,
            identityUrl: healthy.urls.identity,
            portalUrl: healthy.urls.portal,
            identityIssuer: healthy.urls.identity,
            namespace: "grownext",
        };
        await fs.writeFile(path.join(fakeBin, "outputs.json"), JSON.stringify(outputs));
        await fs.writeFile(
            path.join(fakeBin, "pulumi"),
            '#!/bin/sh\nprintf "%s\\n" "$@" > "$(dirname "$0")/args"\ncat "$(dirname "$0")/outputs.json"\n',
            { mode: 0o755 },
        );
        const run = await spawnCli(["--stack", "staging", "--ca", certificates.caFile, "--deadline", "5"], {
            PATH: `${fakeBin}:${process.env["PATH"]}`,
        });
        assert.equal(run.code, 0, run.stdout + run.stderr);
        const args = (await fs.readFile(path.join(fakeBin, "args"), "utf8")).trim().split("\n");
        assert.deepEqual(args, ["stack", "output", "--json", "--stack=staging"]);
    });

    it("exits 2 when the stack outputs cannot be read", async () => {
        await fs.writeFile(path.join(fakeBin, "pulumi"), "#!/bin/sh\necho \"error: no stack named 'nope' found\" >&2\nexit 255\n", {
            mode: 0o755,
        });
        const run = await spawnCli(["--stack", "nope"], { PATH: `${fakeBin}:${process.env["PATH"]}` });
        assertUsageError(run, /^smoke: could not read the outputs of stack "nope": error: no stack named 'nope' found$/);
    });

    it("runs as the SmokeProbes component runs it: its command line and environment", async () => {
        const environment = smokeProbeEnv({
            enabled: true,
            apiUrl: healthy.urls.api,
            identityUrl: healthy.urls.identity,
            portalUrl: healthy.urls.portal,
            deadlineSeconds: 5,
            caFile: certificates.caFile,
            triggers: [],
            dependsOn: [],
        });
        const plain = Object.fromEntries(
            Object.entries(environment).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
        );
        // The deadline is an Output in the component; here it is the string the provider would pass.
        const run = await runShell(probeCommand, { ...plain, SMOKE_DEADLINE_SECONDS: "5" });
        assert.equal(run.code, 0, run.stdout + run.stderr);
        assert.match(run.stdout, /smoke: PASSED/);
    });
});
