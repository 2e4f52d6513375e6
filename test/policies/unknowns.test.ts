import { strict as assert } from "assert";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { readConfig } from "../../policies/lib/config";
import { validateTypes } from "../../policies/lib/policy";
import { bool, get, has, isUnknown, num, plainProps, UNKNOWN, unknownSentinels } from "../../policies/lib/unknowns";
import {
    createResourceValidationArgs,
    resource,
    runResourcePolicy,
    sdkUnknownSentinels,
    UNKNOWN_VALUE,
    UnknownValueError,
} from "./harness";

const type = "aws:kms/key:Key";

describe("unknown values during preview", () => {
    it("knows every sentinel the installed SDK uses", () => {
        assert.deepEqual([...unknownSentinels].sort(), [...sdkUnknownSentinels].sort());
    });

    it("shows why: the SDK's props proxy throws when a policy reads an unknown value", () => {
        const args = createResourceValidationArgs(
            { name: "x", description: "x" },
            resource(type, "k", { enableKeyRotation: UNKNOWN_VALUE }),
        );
        assert.throws(() => args.props.enableKeyRotation, UnknownValueError);
        assert.ok("enableKeyRotation" in args.props, "presence can be checked without reading the value");
    });

    it("shows the risk: the SDK reports such a mandatory policy as advisory", async () => {
        const naive: ResourceValidationPolicy = {
            name: "naive",
            description: "Reads props directly.",
            enforcementLevel: "mandatory",
            validateResource: (args, report) => {
                if (args.props.enableKeyRotation !== true) report("rotate");
            },
        };
        const result = await runResourcePolicy(naive, resource(type, "k", { enableKeyRotation: UNKNOWN_VALUE }));
        assert.deepEqual(
            result.violations.map((v) => v.enforcementLevel),
            ["advisory"],
        );
    });

    it("copies props without throwing, turning sentinels into UNKNOWN at any depth", () => {
        const args = createResourceValidationArgs(
            { name: "x", description: "x" },
            resource(type, "k", {
                a: UNKNOWN_VALUE,
                b: { c: [1, UNKNOWN_VALUE, { d: UNKNOWN_VALUE }] },
                e: "known",
            }),
        );
        const p = plainProps(args.props);
        assert.equal(p.a, UNKNOWN);
        assert.deepEqual(p.b, { c: [1, UNKNOWN, { d: UNKNOWN }] });
        assert.equal(p.e, "known");
        assert.equal(get(p, "a", "deeper"), UNKNOWN, "a path through an unknown is unknown");
        assert.equal(get(p, "missing", "x"), undefined);
        assert.ok(has(p, "a"));
    });

    it("reads booleans and numbers the way providers send them", () => {
        assert.equal(bool("true"), true);
        assert.equal(bool(false), false);
        assert.equal(bool("yes"), undefined);
        assert.equal(num("30"), 30);
        assert.ok(isUnknown(num(UNKNOWN)));
    });

    it("turns a thrown UnknownValueError into a violation at the policy's own level", async () => {
        const guarded: ResourceValidationPolicy = {
            name: "guarded",
            description: "Reads props directly but through validateTypes.",
            enforcementLevel: "mandatory",
            validateResource: validateTypes([type], (_r, args, report) => {
                if (args.props.enableKeyRotation !== true) report("rotate");
            }),
        };
        const result = await runResourcePolicy(guarded, resource(type, "k", { enableKeyRotation: UNKNOWN_VALUE }));
        assert.deepEqual(
            result.violations.map((v) => v.enforcementLevel),
            ["mandatory"],
        );
        assert.match(result.messages[0]!, /unknown during preview/);
    });

    it("applies config defaults even when the CLI passes no config", () => {
        const schema = {
            properties: { min: { type: "integer" as const, default: 30 }, names: { type: "array" as const, default: ["a"] } },
        };
        assert.deepEqual(readConfig({ getConfig: <T extends object>() => ({}) as T }, schema), { min: 30, names: ["a"] });
        assert.deepEqual(readConfig({ getConfig: <T extends object>() => ({ min: 7, enforcementLevel: "advisory" }) as T }, schema), {
            min: 7,
            names: ["a"],
        });
    });
});
