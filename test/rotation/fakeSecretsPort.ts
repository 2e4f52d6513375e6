/**
 * An in-memory Secrets Manager for the rotation tests, with its staging-label semantics: a label is on
 * at most one version; `RotateSecret` stages a new, empty version `AWSPENDING`; moving `AWSCURRENT`
 * puts `AWSPREVIOUS` on the version that held it. Every call is recorded, and a call may be made to fail
 * once (to test the retries Secrets Manager makes).
 */
import { randomUUID } from "node:crypto";
import type { SecretsPort } from "../../rotation/protocol";

interface Version {
    value: string | undefined;
    stages: Set<string>;
}

export type PortCall = keyof SecretsPort;

export class FakeSecretsPort implements SecretsPort {
    readonly versions = new Map<string, Version>();
    readonly calls: { readonly call: PortCall; readonly versionId?: string }[] = [];
    rotationEnabled = true;
    private failNext: PortCall | undefined;

    constructor(
        readonly secretId: string,
        initial: string,
    ) {
        this.versions.set("v0", { value: initial, stages: new Set(["AWSCURRENT"]) });
    }

    /** What Secrets Manager does when a rotation starts: a new empty version, staged AWSPENDING. Returns its token. */
    startRotation(token: string = randomUUID()): string {
        this.moveLabel("AWSPENDING", token);
        return token;
    }

    /** The next call of this kind throws (once). */
    failOnce(call: PortCall): void {
        this.failNext = call;
    }

    holderOf(stage: string): string | undefined {
        return [...this.versions.entries()].find(([, v]) => v.stages.has(stage))?.[0];
    }

    valueOf(stage: string): string | undefined {
        const id = this.holderOf(stage);
        return id === undefined ? undefined : this.versions.get(id)?.value;
    }

    private enter(call: PortCall, secretId: string, versionId?: string): void {
        this.calls.push({ call, ...(versionId === undefined ? {} : { versionId }) });
        if (secretId !== this.secretId) throw new Error(`ResourceNotFoundException: no secret ${secretId}`);
        if (this.failNext === call) {
            this.failNext = undefined;
            throw new Error(`injected failure of ${call}`);
        }
    }

    private moveLabel(stage: string, to: string): void {
        for (const v of this.versions.values()) v.stages.delete(stage);
        const target = this.versions.get(to) ?? { value: undefined, stages: new Set<string>() };
        target.stages.add(stage);
        this.versions.set(to, target);
    }

    describe(secretId: string): Promise<{ rotationEnabled: boolean; versions: Record<string, readonly string[]> }> {
        this.enter("describe", secretId);
        // Versions without a label are deprecated: DescribeSecret lists only the staged ones.
        const versions: Record<string, readonly string[]> = {};
        for (const [id, v] of this.versions) if (v.stages.size > 0) versions[id] = [...v.stages];
        return Promise.resolve({ rotationEnabled: this.rotationEnabled, versions });
    }

    getValue(secretId: string, stage: "AWSCURRENT" | "AWSPENDING", versionId?: string): Promise<string | undefined> {
        this.enter("getValue", secretId, versionId);
        const id = versionId ?? this.holderOf(stage);
        const v = id === undefined ? undefined : this.versions.get(id);
        // GetSecretValue: not found when the version does not carry the stage, or holds no value yet.
        return Promise.resolve(v !== undefined && v.stages.has(stage) ? v.value : undefined);
    }

    putPending(secretId: string, versionId: string, value: string): Promise<void> {
        this.enter("putPending", secretId, versionId);
        const existing = this.versions.get(versionId);
        // PutSecretValue is idempotent per token with the same value, and refuses to change a written version.
        if (existing?.value !== undefined && existing.value !== value)
            return Promise.reject(new Error(`ResourceExistsException: version ${versionId} holds another value`));
        this.moveLabel("AWSPENDING", versionId);
        this.versions.get(versionId)!.value = value;
        return Promise.resolve();
    }

    promote(secretId: string, versionId: string): Promise<void> {
        this.enter("promote", secretId, versionId);
        const target = this.versions.get(versionId);
        if (target?.value === undefined) return Promise.reject(new Error(`ResourceNotFoundException: version ${versionId} holds no value`));
        const previous = this.holderOf("AWSCURRENT");
        if (previous === versionId) return Promise.resolve();
        this.moveLabel("AWSCURRENT", versionId);
        if (previous !== undefined) this.moveLabel("AWSPREVIOUS", previous);
        // When rotation succeeds, Secrets Manager leaves AWSPENDING on no other version than the current one.
        if (target.stages.has("AWSPENDING")) target.stages.delete("AWSPENDING");
        return Promise.resolve();
    }
}
