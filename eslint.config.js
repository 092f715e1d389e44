// ESLint flat config: type-aware typescript-eslint for src/, web/src/, scripts/ and test/ (layer directions are dependency-cruiser's job).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'drizzle/', '.tap/', 'data/', 'test-artifacts/', 'coverage/']),

  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  // The config files themselves are plain JavaScript run by Node.
  {
    files: ['**/*.{js,cjs,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },

  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // Each file gets the nearest tsconfig: web/src/ → web/tsconfig.json (DOM, bundler);
        // src/, scripts/, test/ and drizzle.config.ts → tsconfig.json.
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Promises that nobody awaits or that land where a void callback is expected lose errors.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Promise.all([promise, null]) is fine; an aggregator given nothing awaitable is still reported.
      '@typescript-eslint/await-thenable': ['error', { allowMixedPromiseArrays: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // CONVENTIONS.md 10: `import type` for types (verbatimModuleSyntax keeps them out of the output).
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'separate-type-imports', disallowTypeAnnotations: true },
      ],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // Fastify plugins and hooks are `async` by contract even when they await nothing.
      '@typescript-eslint/require-await': 'off',
    },
  },

  {
    files: ['test/**/*.ts'],
    rules: {
      // tap queues `t.test(...)` subtests itself and turns a throw inside one into a failed test, so
      // the PromiseWithSubtest it returns needs no await; any other promise must still be handled.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafePromises: [{ from: 'package', name: 'PromiseWithSubtest', package: '@tapjs/core' }] },
      ],
      // Answers come from light-my-request's `res.json()`, typed `any`: these rules would flag every
      // assertion on a response body, and `res.json() as T` is only asked to become `res.json<T>()`.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
    },
  },

  // The service logs through pino; a console call bypasses levels, redaction and the log format.
  {
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
);
