import * as assert from "assert";
import {
    catalogDatabases,
    databaseRoles,
    databasesOf,
    maxRoleNameLength,
    readOnlyAccess,
    roleName,
    sequencePrivileges,
    tablePrivileges,
} from "../../catalog/databaseRoles";
import { processCatalog, type ProcessSpec } from "../../catalog/processes";
import { postgresNames } from "../../wiring/dataContract";
import { databaseOfEnvKeys } from "../../wiring/processEnv";

/** The databases a process reaches, read independently: the env matrix's database refs it gets (wiring's databaseOfRef). */
function databasesFromMatrix(p: ProcessSpec): string[] {
    return [...new Set(Object.values(databaseOfEnvKeys(p)))].sort();
}

describe("catalog: database roles (least privilege, issue #13)", () => {
    it("gives every process with a database data ref a role in exactly those databases", () => {
        const roles = databaseRoles();
        for (const p of processCatalog) {
            const expected = databasesFromMatrix(p);
            assert.deepStrictEqual(
                roles.filter((r) => r.process === p.name).map((r) => r.database),
                expected,
                `${p.name}: roles in ${expected.join(", ") || "no database"}`,
            );
        }
        // The catalog today: the app database serves the app processes and identity's tasks tables.
        assert.deepStrictEqual(
            roles.map((r) => `${r.process}@${r.database}`),
            ["web@app", "worker@app", "scheduler@app", "timers@app", "encryption-rotation@app", "identity@app", "identity@identity"],
        );
        assert.ok(!roles.some((r) => r.process === "portal"), "portal reaches no database and gets no role");
    });

    it("follows a process's env groups, with no list of processes to keep in step", () => {
        const extra: ProcessSpec = {
            ...processCatalog.find((p) => p.name === "scheduler")!,
            name: "reports",
            envGroups: ["runtime", "identityDatabase"],
        };
        const roles = databaseRoles([...processCatalog, extra]);
        assert.deepStrictEqual(
            roles.filter((r) => r.process === "reports").map((r) => [r.database, r.role]),
            [["identity", "grownext_svc_reports"]],
        );
        assert.deepStrictEqual(databasesOf({ envGroups: ["runtime", "queue", "cache"] }), []);
    });

    it("names roles grownext_svc_<process>, never a master user's name, short enough for the rotation's _clone", () => {
        assert.strictEqual(roleName("encryption-rotation"), "grownext_svc_encryption_rotation");
        const masters = catalogDatabases.map((d) => postgresNames(d).user);
        for (const r of databaseRoles()) {
            assert.match(r.role, /^[a-z_][a-z0-9_]*$/, `${r.role} is a plain identifier`);
            assert.ok(!masters.includes(r.role), `${r.role} is not a master user (${masters.join(", ")})`);
            assert.ok(`${r.role}_clone`.length <= 63, `${r.role}_clone fits in 63 bytes`);
            assert.ok(r.role.length <= maxRoleNameLength);
        }
        // The naming the master users take would collide for the identity process.
        assert.strictEqual(`grownext_${"identity"}`, postgresNames("identity").user);
    });

    it("grants DML without DDL, and SELECT only to a read-only process", () => {
        for (const privileges of [...Object.values(tablePrivileges), ...Object.values(sequencePrivileges)]) {
            for (const ddl of ["CREATE", "TRUNCATE", "REFERENCES", "TRIGGER", "ALL"]) assert.ok(!privileges.includes(ddl), ddl);
        }
        assert.deepStrictEqual(tablePrivileges.read, ["SELECT"]);
        assert.deepStrictEqual(sequencePrivileges.read, ["SELECT"]);
        assert.deepStrictEqual(readOnlyAccess, []);
        assert.ok(databaseRoles().every((r) => r.access === "readWrite"));
    });
});
