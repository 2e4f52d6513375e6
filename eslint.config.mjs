// ESLint for the whole repository (`npm run lint`, docs/lint.md). TypeScript gets typescript-eslint's
// type-aware recommended rules through the project service: each file is checked against the
// tsconfig.json nearest to it (the program, policies/, ci-oidc/, the engine-test fixtures).
// eslint-config-prettier comes last: layout is Prettier's job, not ESLint's.
import comments from "@eslint-community/eslint-plugin-eslint-comments";
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import prettier from "eslint-config-prettier";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
    globalIgnores(["**/node_modules/", "bin/", "**/bin/", "rendered/", ".cluster/", ".pulumi/", ".pulumi-state/"]),
    {
        linterOptions: {
            // A disable comment that no longer suppresses anything is an error, so none outlives its reason.
            reportUnusedDisableDirectives: "error",
        },
    },
    {
        // Every `eslint-disable` says why (`-- reason`), and disables named rules only.
        plugins: { "@eslint-community/eslint-comments": comments },
        rules: {
            "@eslint-community/eslint-comments/require-description": "error",
            "@eslint-community/eslint-comments/no-unlimited-disable": "error",
        },
    },
    {
        files: ["**/*.ts"],
        extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
        languageOptions: {
            parserOptions: {
                projectService: true,
                tsconfigRootDir: import.meta.dirname,
            },
        },
        rules: {
            // tsc's noUnusedLocals/noUnusedParameters already fail the typecheck; one report is enough,
            // and tsc's understands `_`-prefixed parameters the way the code uses them.
            "@typescript-eslint/no-unused-vars": "off",
        },
    },
    {
        // Tests read what Pulumi mocks recorded: MockResourceArgs.inputs and the policy harness's
        // resources are `any` by the SDK's design, and reading them deep is the tests' whole point.
        // The no-unsafe family would flag ~1,100 of those reads with no bug among them; the
        // program, the policies, the probes and the scripts keep these rules. sandbox/ is the same kind
        // of code (the mocks themselves, the engine and cluster helpers reading kubectl's JSON) shared
        // with the bench, and so is the bench's own minimal mock (scripts/bench/evaluate.ts).
        files: ["test/**/*.ts", "sandbox/**/*.ts", "scripts/bench/evaluate.ts"],
        rules: {
            "@typescript-eslint/no-explicit-any": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            // The tests match YAML and aligned tables, whose indentation reads best as the spaces themselves.
            "no-regex-spaces": "off",
        },
    },
    {
        // Plain CommonJS scripts the workflows run with node (.github/scripts): no type information.
        files: ["**/*.cjs"],
        extends: [js.configs.recommended],
        languageOptions: { sourceType: "commonjs", globals: { ...globals.node } },
    },
    {
        files: ["eslint.config.mjs"],
        extends: [js.configs.recommended],
        languageOptions: { globals: { ...globals.node } },
    },
    prettier,
);
