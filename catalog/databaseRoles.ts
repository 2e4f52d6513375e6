/**
 * Least-privilege database roles (issue #13): every catalog process that connects to a database
 * logs in as a role of its own, never as the database's master user. Which processes connect to
 * which database is derived from the catalog (a process's env groups name the data stores it connects
 * to: `dataStoresOf`, catalog/network.ts, the same derivation the NetworkPolicies use), so a new
 * process or env group needs no edit here.
 *
 * Migrations keep the master user: they own the schema (they create and alter the tables), and the
 * roles below get their privileges on what the master user creates (`ALTER DEFAULT PRIVILEGES`).
 *
 * Data only; imports only the catalog (the SQL is components/workloads/databaseRoles.ts).
 */
import { dataStoresOf, type DataStoreName } from "./network";
import { processCatalog, type ProcessSpec } from "./processes";

/** The catalog's databases (the data contract's `DatabaseName`): the Postgres stores of catalog/network.ts. */
export type CatalogDatabase = Extract<DataStoreName, "app" | "identity">;
export const catalogDatabases: readonly CatalogDatabase[] = ["app", "identity"];

/**
 * What a role may do in schema `public` of its database:
 *  - `readWrite`: SELECT, INSERT, UPDATE, DELETE on tables; USAGE, SELECT, UPDATE on sequences
 *    (the DML a Prisma client issues); no DDL, no TRUNCATE, no REFERENCES, no TRIGGER;
 *  - `read`: SELECT on tables and sequences.
 */
export type DatabaseAccess = "readWrite" | "read";

export const tablePrivileges: Readonly<Record<DatabaseAccess, readonly string[]>> = {
    readWrite: ["SELECT", "INSERT", "UPDATE", "DELETE"],
    read: ["SELECT"],
};
export const sequencePrivileges: Readonly<Record<DatabaseAccess, readonly string[]>> = {
    readWrite: ["USAGE", "SELECT", "UPDATE"],
    read: ["SELECT"],
};

/**
 * Processes that only read a database get `read` there. None of the catalog's processes does
 * today (each one writes: sessions, jobs, timers, key versions), so every role is `readWrite`.
 */
export const readOnlyAccess: ReadonlyArray<{ readonly process: string; readonly database: CatalogDatabase }> = [];

/** A role of one process in one database. */
export interface DatabaseRole {
    readonly process: string;
    readonly database: CatalogDatabase;
    /** The Postgres role name (`roleName(process)`). */
    readonly role: string;
    readonly access: DatabaseAccess;
}

/**
 * The role of a process: `grownext_svc_<process>` with underscores. Not `grownext_<process>`: that is
 * the master user's naming (`grownext_<database>`), and the `identity` process would collide with the
 * identity database's master user. `svc` as in `services.<process>`, the config key of a process.
 */
export function roleName(process: string): string {
    return `grownext_svc_${process.replace(/-/g, "_")}`;
}

/**
 * Postgres truncates identifiers at 63 bytes, and AWS's alternating-users rotation creates
 * `<role>_clone` beside each role; so a role name may take at most 63 - 6 characters.
 */
export const maxRoleNameLength = 63 - "_clone".length;

/** The databases a process connects to: its env groups' data stores (catalog/network.ts) that are Postgres. */
export function databasesOf(process: Pick<ProcessSpec, "envGroups">): CatalogDatabase[] {
    const stores = dataStoresOf(process);
    return catalogDatabases.filter((d) => stores.includes(d));
}

/** Every (process, database) role of a catalog, in catalog order then database order. */
export function databaseRoles(catalog: readonly Pick<ProcessSpec, "name" | "envGroups">[] = processCatalog): DatabaseRole[] {
    return catalog.flatMap((p) =>
        databasesOf(p).map((database): DatabaseRole => ({
            process: p.name,
            database,
            role: roleName(p.name),
            access: readOnlyAccess.some((r) => r.process === p.name && r.database === database) ? "read" : "readWrite",
        })),
    );
}
