/**
 * Each process's own database credentials on AWS stacks, rotated by AWS without downtime
 * (issue #13, docs/secret-rotation.md "App credentials without downtime").
 *
 * Per (process, database) role of catalog/databaseRoles.ts:
 *  - a Secrets Manager secret `grownext/<stack>/<process>/db-<database>` under the stack's KMS key,
 *    tagged `grownext.io/secret-kind: database-credentials` (the rotation policy finds it by that tag)
 *    and `grownext.io/process`, holding the JSON AWS's multi-user rotation function reads:
 *    `{engine, host, port, dbname, username, password, masterarn}`;
 *  - its first version, with a password from `random.RandomPassword` (a secret in state). After that
 *    the rotation function owns the value: the version ignores changes to `secretString` (and its
 *    stages), so `pulumi up` never writes the initial password back over a rotated one. The roles Job
 *    reads the secret's current password to create the role (platform.ts says why the current one);
 *  - an `aws.secretsmanager.SecretRotation` every `rotation.databaseRotationDays`, not rotated on
 *    creation (`rotateImmediately: false`): the role is created by the roles Job later in the same
 *    update, and a rotation before it exists would fail its first step (logging in as the current user).
 * Per database with at least one role: AWS's alternating-users rotation function
 * (`SecretsManagerRDSPostgreSQLRotationMultiUser`, from the Serverless Application Repository,
 * pinned), in the private subnets, in a security group of its own whose only ways out are the
 * instance's port (with the matching ingress rule on the instance's group, the RDS Proxy pattern)
 * and HTTPS to the Secrets Manager endpoint. It logs in with the master secret (`masterarn`) to
 * create `<role>_clone` (a member of `<role>`, so it has exactly its privileges) or to set the
 * inactive user's password, then flips the secret to it.
 *
 * Production protects the secrets (dataResourceOptions); the function, its security group and the
 * rotation schedule hold no data and stay replaceable.
 */
import * as aws from "../../../wiring/aws";
import { egressOnlySecurityGroup } from "./egressOnlySecurityGroup";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { DatabaseRole } from "../../../catalog/databaseRoles";
import type { Environment } from "../../../catalog/guardrails";
import { databaseCredentialsKind, labelKeys, secretKindTag } from "../../../catalog/labels";
import { componentError } from "../../../config/errors";
import { postgresPort, type DatabaseName } from "../../../wiring/dataContract";
import { rotatedSecret } from "./rotatedSecret";
import { secretName } from "./secretStore";

/** AWS's alternating-users rotation function for PostgreSQL, pinned (the CDK's pin of it). */
export const multiUserRotationApplication = {
    applicationId: "arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationMultiUser",
    semanticVersion: "1.1.618",
    /** The function's template creates its IAM role and its resource policy (Secrets Manager may invoke it). */
    capabilities: ["CAPABILITY_IAM", "CAPABILITY_RESOURCE_POLICY"],
} as const;

/** `grownext/<stack>/<process>/db-<database>`. */
export function credentialsSecretName(project: string, stack: string, process: string, database: DatabaseName): string {
    return `${secretName(project, stack, process)}/db-${database}`;
}

/** The secret's JSON, in the shape the multi-user rotation function reads and writes. */
export function credentialsJson(c: {
    host: string;
    port: number;
    dbname: string;
    username: string;
    password: string;
    masterarn: string;
}): string {
    return JSON.stringify({
        engine: "postgres",
        host: c.host,
        port: c.port,
        dbname: c.dbname,
        username: c.username,
        password: c.password,
        masterarn: c.masterarn,
    });
}

/** The rotation function's name, per stack and database (Lambda names: at most 64 characters). */
export function rotationFunctionName(project: string, stack: string, database: DatabaseName): string {
    return `${project}-${stack}-${database}-db-rotation`.slice(0, 64);
}

export interface CredentialsDatabase {
    readonly database: DatabaseName;
    /** The serving instance's address (the rotation function connects straight to it, past any proxy). */
    readonly host: pulumi.Input<string>;
    /** The database's name inside the instance. */
    readonly dbname: string;
    /** ARN of the instance's master secret (RDS-managed): the rotation function creates the clone users with it. */
    readonly masterSecretArn: pulumi.Input<string>;
    /** The instance's security group: it admits the rotation function on 5432. */
    readonly instanceSecurityGroupId: pulumi.Input<string>;
}

export interface DatabaseCredentialsArgs {
    readonly environment: Environment;
    /** `project` and `stack` name the secrets and functions. */
    readonly project: string;
    readonly stack: string;
    /** Region, VPC and private subnets (`data.aws`). */
    readonly network: { readonly region: string; readonly vpcId: string; readonly privateSubnetIds: readonly string[] };
    /** ARN of the stack's KMS key: encrypts the secrets (and the master secret, as RDS manages it under the key). */
    readonly kmsKeyArn: pulumi.Input<string>;
    /** The roles to give credentials (catalog/databaseRoles.ts `databaseRoles`). */
    readonly roles: readonly DatabaseRole[];
    /** The databases the roles live in. */
    readonly databases: readonly CredentialsDatabase[];
    /** `rotation.databaseRotationDays`. */
    readonly rotationDays: number;
}

export class DatabaseCredentials extends pulumi.ComponentResource {
    private readonly secrets = new Map<string, aws.secretsmanager.Secret>();
    /** The rotation function's stack of each database, for tests and dependents. */
    readonly rotationStacks: Readonly<Partial<Record<DatabaseName, aws.serverlessrepository.CloudFormationStack>>>;

    constructor(name: string, args: DatabaseCredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        // The args carry no secret, but nothing is recorded on the component anyway.
        super("grownext:data:DatabaseCredentials", name, {}, opts);
        if (!Number.isInteger(args.rotationDays) || args.rotationDays < 1)
            throw componentError(
                this,
                "DatabaseCredentials",
                name,
                `rotation.databaseRotationDays must be a positive integer, got ${args.rotationDays}`,
            );
        if (args.network.privateSubnetIds.length === 0)
            throw componentError(
                this,
                "DatabaseCredentials",
                name,
                "data.aws.privateSubnetIds must list the private subnets (the rotation function runs there)",
            );
        const byDatabase = new Map(args.databases.map((d) => [d.database, d]));
        const seen = new Set<string>();
        for (const r of args.roles) {
            if (!byDatabase.has(r.database))
                throw componentError(
                    this,
                    "DatabaseCredentials",
                    name,
                    `${r.process}'s role is in database ${r.database}, which is not given`,
                );
            const k = key(r.process, r.database);
            if (seen.has(k)) throw componentError(this, "DatabaseCredentials", name, `${r.process} has two roles in ${r.database}`);
            seen.add(k);
        }
        const region = args.network.region;
        const stacks: Partial<Record<DatabaseName, aws.serverlessrepository.CloudFormationStack>> = {};

        for (const d of args.databases) {
            const roles = args.roles.filter((r) => r.database === d.database);
            if (roles.length === 0) continue;
            const dbTags = { "grownext.io/database": d.database };

            // The function's network: 5432 to the instance and HTTPS to Secrets Manager, nothing in.
            const { securityGroup: sg, egress: ways } = egressOnlySecurityGroup(
                {
                    names: {
                        group: `${name}-${d.database}-rotation-sg`,
                        egress: [`${name}-${d.database}-rotation-to-instance`, `${name}-${d.database}-rotation-to-secretsmanager`],
                    },
                    description: `Rotation function of the ${d.database} database's process credentials: to the instance and Secrets Manager only`,
                    vpcId: args.network.vpcId,
                    region,
                    tags: dbTags,
                    egress: [
                        {
                            description: `Rotation function to PostgreSQL ${d.database}`,
                            port: postgresPort,
                            securityGroupId: d.instanceSecurityGroupId,
                        },
                        // Secrets Manager's regional endpoint (through the VPC's NAT or its interface endpoint): any address on 443.
                        { description: "Rotation function to the Secrets Manager endpoint", port: 443, cidrIpv4: "0.0.0.0/0" },
                    ],
                },
                this,
            );
            const intoInstance = new aws.vpc.SecurityGroupIngressRule(
                `${name}-${d.database}-rotation-into-instance`,
                {
                    description: `PostgreSQL ${d.database} from its credentials rotation function`,
                    securityGroupId: d.instanceSecurityGroupId,
                    referencedSecurityGroupId: sg.id,
                    ipProtocol: "tcp",
                    fromPort: postgresPort,
                    toPort: postgresPort,
                    region,
                    tags: dbTags,
                },
                { parent: this },
            );

            const functionName = rotationFunctionName(args.project, args.stack, d.database);
            const stack = new aws.serverlessrepository.CloudFormationStack(
                `${name}-${d.database}-rotation`,
                {
                    name: functionName,
                    applicationId: multiUserRotationApplication.applicationId,
                    semanticVersion: multiUserRotationApplication.semanticVersion,
                    capabilities: [...multiUserRotationApplication.capabilities],
                    parameters: {
                        endpoint: `https://secretsmanager.${region}.amazonaws.com`,
                        functionName,
                        vpcSubnetIds: args.network.privateSubnetIds.join(","),
                        vpcSecurityGroupIds: sg.id,
                        kmsKeyArn: args.kmsKeyArn,
                        masterSecretArn: d.masterSecretArn,
                        masterSecretKmsKeyArn: args.kmsKeyArn,
                    },
                    region,
                    tags: dbTags,
                },
                { parent: this, dependsOn: [...ways, intoInstance] },
            );
            stacks[d.database] = stack;
            const rotationLambdaArn = stack.outputs.apply((o) => {
                const arn = o?.["RotationLambdaARN"];
                if (arn === undefined)
                    throw new pulumi.RunError(
                        `the rotation application ${multiUserRotationApplication.semanticVersion} did not output RotationLambdaARN; check multiUserRotationApplication in components/data/aws/databaseCredentials.ts`,
                    );
                return arn;
            });

            for (const r of roles) {
                const id = `${name}-${r.process}-${d.database}`;
                const tags = { ...dbTags, [labelKeys.process]: r.process, [secretKindTag]: databaseCredentialsKind };
                // URL-safe specials only, like the master password: the URL template encodes anyway.
                const password = new random.RandomPassword(
                    `${id}-password`,
                    { length: 40, special: true, overrideSpecial: "-_.~", minLower: 2, minUpper: 2, minNumeric: 2 },
                    { parent: this },
                );
                const { secret, firstVersion: version } = rotatedSecret(
                    {
                        names: { secret: id, firstVersion: `${id}-initial` },
                        secretName: credentialsSecretName(args.project, args.stack, r.process, d.database),
                        description: `Credentials of the ${r.process} process in the ${d.database} database (${args.stack}), rotated by alternating users`,
                        environment: args.environment,
                        kmsKeyArn: args.kmsKeyArn,
                        region,
                        tags,
                        firstValue: pulumi
                            .all([d.host, d.masterSecretArn, password.result])
                            .apply(([host, masterarn, pw]) =>
                                credentialsJson({ host, port: postgresPort, dbname: d.dbname, username: r.role, password: pw, masterarn }),
                            ),
                    },
                    this,
                );
                new aws.secretsmanager.SecretRotation(
                    `${id}-rotation`,
                    {
                        secretId: secret.id,
                        rotationLambdaArn,
                        rotationRules: { automaticallyAfterDays: args.rotationDays },
                        rotateImmediately: false,
                        region,
                    },
                    { parent: this, dependsOn: [version] },
                );
                this.secrets.set(key(r.process, d.database), secret);
            }
        }
        this.rotationStacks = stacks;
        this.registerOutputs({});
    }

    /** The credentials secret of a process in a database; undefined when the process has no role there. */
    secret(
        process: string,
        database: DatabaseName,
    ): { readonly name: pulumi.Output<string>; readonly arn: pulumi.Output<string> } | undefined {
        const s = this.secrets.get(key(process, database));
        return s ? { name: s.name, arn: s.arn } : undefined;
    }

    /** ARNs of every credentials secret in a database (RDS Proxy's auth list). */
    secretArns(database: DatabaseName): pulumi.Output<string>[] {
        return [...this.secrets.entries()].filter(([k]) => k.endsWith(`@${database}`)).map(([, s]) => s.arn);
    }
}

function key(process: string, database: DatabaseName): string {
    return `${process}@${database}`;
}
