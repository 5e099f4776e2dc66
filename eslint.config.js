// ESLint flat config: `npm run check:lint` (= `eslint .`). Every rule is either 'error' or 'off', never 'warn',
// so a clean `eslint .` means clean. Formatting is Prettier's job (.prettierrc.json); eslint-config-prettier,
// last below, turns off every rule that would disagree with it.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const VUE_FILES = ['dashboard/**/*.vue'];

/** Presets switch some rules to 'warn' (eslint-plugin-vue's style rules); here every rule that is on is an error. */
function asErrors(configs) {
  const severity = (entry) => {
    const [level, ...options] = Array.isArray(entry) ? entry : [entry];
    const error = level === 'warn' || level === 1 ? 'error' : level;
    return options.length ? [error, ...options] : error;
  };
  return configs.map((config) =>
    config.rules ? { ...config, rules: Object.fromEntries(Object.entries(config.rules).map(([rule, entry]) => [rule, severity(entry)])) } : config,
  );
}

export default defineConfig(
  {
    name: 'haochaping/ignores',
    ignores: ['**/dist/', '**/data/', '**/coverage/', 'bench/results/', 'bench/.data/', 'test/screenshots/', 'schema/'],
  },

  {
    name: 'haochaping/linter',
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },

  js.configs.recommended,
  // Non-type-checked on purpose: it needs no TypeScript program, so `eslint .` stays fast; tsc and vue-tsc check types.
  tseslint.configs.recommended,
  // Only the dashboard has Vue files; scope every block of the plugin's preset to them.
  asErrors(vue.configs['flat/recommended']).map((config) => ({ ...config, files: VUE_FILES })),

  {
    name: 'haochaping/vue-script',
    files: VUE_FILES,
    languageOptions: {
      // vue-eslint-parser reads the SFC; <script lang="ts"> goes to typescript-eslint's parser.
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' },
    },
    rules: {
      // vue-tsc checks names in .vue files, as tsc does in .ts files (typescript-eslint turns it off there).
      'no-undef': 'off',
    },
  },

  {
    name: 'haochaping/node',
    files: ['server/**', 'test/**', 'seeds/**', 'bench/**', 'scripts/**', '*.config.{js,ts}', 'dashboard/vite.config.ts'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    name: 'haochaping/browser',
    files: ['dashboard/**'],
    ignores: ['dashboard/vite.config.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    name: 'haochaping/embed-script',
    // A classic <script> that portals paste into their pages: ES5, no modules.
    files: ['dashboard/public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser } },
  },

  {
    name: 'haochaping/style',
    rules: {
      // `_`-prefixed names are deliberately unused (interface-shaped arguments, skipped tuple slots).
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
      // Not in `recommended`, but in `strict`: stays off if the preset changes. The code asserts ~500 Map/array lookups it
      // knows to hit (mostly tests and seeds); TypeScript's strict mode checks the rest.
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },

  // Last: turns off the stylistic rules of everything above that Prettier decides instead.
  prettier,
);
