/**
 * What Pulumi runs (Pulumi.yaml: `main: entry.js`, `typescript: false`): the program compiled to bin/
 * by `npm run build` when that output is up to date with every source file, otherwise the TypeScript
 * sources through ts-node (transpile only), so an edit is never deployed stale and `pulumi up` on a
 * fresh clone needs no build step. Unattended runs (local:up, the engine tests, CI) build first: the
 * compiled program skips loading the TypeScript compiler and transpiling every file on each run
 * (docs/performance.md has the figures).
 *
 * Plain JavaScript on purpose: it decides whether TypeScript is needed at all. It sits in the project
 * root so the engine's working directory (and with it ./node_modules for the dynamic-provider plugin,
 * rendered/ and Pulumi.<stack>.yaml) stays the project root.
 */
"use strict";
const fs = require("fs");
const path = require("path");

const root = __dirname;
/** Which files the build compiles, and where to: tsconfig.build.json is their one home. */
const build = JSON.parse(fs.readFileSync(path.join(root, "tsconfig.build.json"), "utf8"));
const outDir = path.join(root, build.compilerOptions.outDir);

/** Source files of the build: `dir/**\/*.ts` patterns and plain file names, as tsconfig.build.json writes them. */
function sources() {
    const files = [];
    const walk = (dir) => {
        if (!fs.existsSync(dir)) return;
        for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
            const p = path.join(dir, entry.name);
            if (entry.isDirectory()) walk(p);
            else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) files.push(p);
        }
    };
    for (const pattern of build.include) {
        const glob = pattern.indexOf("*");
        if (glob < 0) {
            if (fs.existsSync(path.join(root, pattern))) files.push(path.join(root, pattern));
        } else {
            walk(path.join(root, pattern.slice(0, glob)));
        }
    }
    return files;
}

/** The first source file whose compiled output is missing or older than it, or undefined when bin/ is current. */
function staleSource() {
    if (!fs.existsSync(path.join(outDir, "index.js"))) return "index.ts (no build)";
    for (const source of sources()) {
        const compiled = path.join(outDir, path.relative(root, source)).replace(/\.ts$/, ".js");
        const out = fs.statSync(compiled, { throwIfNoEntry: false });
        if (!out || out.mtimeMs < fs.statSync(source).mtimeMs) return path.relative(root, source);
    }
    return undefined;
}

/**
 * Packages a stack may never touch, loaded on first use instead of at `import`: the local stack
 * declares nothing from @pulumi/aws, yet every component that can declare AWS resources imports its
 * service modules at the top (through wiring/aws.ts; TypeScript emits that as an eager require). The
 * stand-in, for the package and each of its modules, answers `__esModule` (what the emitted
 * `import * as` asks first) and loads the real module on any other access, so AWS stacks behave
 * exactly as before.
 */
const lazyPackages = new Set(["@pulumi/aws"]);

/** Whether a require names a lazy package or one of its modules (`@pulumi/aws`, `@pulumi/aws/rds`). */
function isLazy(request) {
    if (lazyPackages.has(request)) return true;
    const slash = request.indexOf("/", request.startsWith("@") ? request.indexOf("/") + 1 : 0);
    return slash > 0 && lazyPackages.has(request.slice(0, slash));
}

function installLazyPackages() {
    const Module = require("module");
    const load = Module._load;
    const standIns = new Map();
    Module._load = function (request, parent, isMain) {
        if (!isLazy(request)) return load.apply(this, arguments);
        if (!standIns.has(request)) {
            let real;
            const module = () => (real ??= load.call(this, request, parent, isMain));
            standIns.set(
                request,
                new Proxy(
                    {},
                    {
                        get: (_target, key) => (key === "__esModule" ? true : Reflect.get(module(), key)),
                        has: (_target, key) => Reflect.has(module(), key),
                        ownKeys: () => Reflect.ownKeys(module()),
                        getOwnPropertyDescriptor: (_target, key) => {
                            const d = Reflect.getOwnPropertyDescriptor(module(), key);
                            return d && { ...d, configurable: true };
                        },
                    },
                ),
            );
        }
        return standIns.get(request);
    };
}

if (require.main === module) {
    // `node entry.js --check`: exit 0 when bin/ is current (scripts/local-up.sh builds only otherwise).
    const stale = staleSource();
    if (stale) process.stderr.write(`bin/ is out of date (${stale}): npm run build\n`);
    process.exit(stale ? 1 : 0);
} else if (staleSource() === undefined) {
    installLazyPackages();
    module.exports = require(path.join(outDir, "index.js"));
} else {
    // Quick local iteration: the sources as they are now. Types are checked by `npm run typecheck`.
    installLazyPackages();
    require("ts-node").register({ transpileOnly: true, project: path.join(root, "tsconfig.json") });
    module.exports = require(path.join(root, "index.ts"));
}
