// ESLint flat config. `npm run lint` runs it over the whole tree; CI fails on any error.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Plugins reach the core only through its published contract, core/plugin-api.ts (STYLE.md,
// "Plugins see a context, never core internals"). Anything else under core/ is an internal that
// may change without notice, so importing it from plugin code is a lint error.
const pluginApiOnly = {
  group: ['**/core/*', '**/core/**', '!**/core/plugin-api.ts'],
  message:
    'Plugins import from the core only through core/plugin-api.ts; ask for what you need there.',
};

// Test helpers are for tests; plugin code that ships must not depend on them.
const testHelpersInTestsOnly = {
  group: ['**/test/helpers/*', '**/test/helpers/**'],
  message: 'Test helpers are for tests (plugins/<name>/test/**) only.',
};

// Plugin tests build the app like core tests do, so they may also use the core's test helpers
// and core/app.ts. Still nothing else from core/.
const pluginTestImports = {
  group: [
    '**/core/*',
    '**/core/**',
    '!**/core/plugin-api.ts',
    '!**/core/app.ts',
  ],
  message:
    'Plugin tests import from the core only through core/plugin-api.ts, core/app.ts and test/helpers/**.',
};

export default defineConfig(
  {
    ignores: ['**/node_modules/**', 'data/**', '.tap/**', 'dist/**', 'coverage/**', 'tmp/**'],
  },
  {
    files: ['**/*.ts', '**/*.js'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: 'module',
      globals: {
        // Node 20's globals, for .js files (TypeScript files get no-undef off and tsc instead).
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        clearImmediate: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
        },
      ],
      // `any` is allowed where someone wrote it on purpose (kysely migrations take Kysely<any>).
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-empty-object-type': 'off',
    },
  },
  {
    // Scripts served to the browser use its globals (document, window), which the list above
    // leaves out on purpose so that server code can't use them by mistake.
    files: ['templates/**/*.js', 'plugins/*/assets/**/*.js'],
    rules: { 'no-undef': 'off' },
  },
  {
    // Mail parsing matches raw bytes on purpose (NUL sentinels, stray control characters in
    // broken mail), so control characters in its regular expressions are meant.
    files: ['core/mail/**/*.ts'],
    rules: { 'no-control-regex': 'off' },
  },
  {
    files: ['plugins/**/*.ts', 'plugins/**/*.js'],
    // plugins/index.ts is not a plugin: it is the core's list of built-in plugins and may name
    // the core's plugin types. Plugin tests have their own rule below.
    ignores: ['plugins/index.ts', 'plugins/*/test/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [pluginApiOnly, testHelpersInTestsOnly] }],
    },
  },
  {
    files: ['plugins/*/test/**/*.ts', 'plugins/*/test/**/*.js'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [pluginTestImports] }],
    },
  },
);
