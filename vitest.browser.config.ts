import { defineConfig } from 'vitest/config';

/** The real-browser tests (Debian's Chromium through playwright-core), run after the build: `npx vitest run --config vitest.browser.config.ts`. */
export default defineConfig({
  // scripts/test.sh runs this stage beside the other two: its own cache (vitest's file durations), so the
  // runs never write the same results.json at once.
  cacheDir: 'node_modules/.vite-browser',
  // As in vitest.config.ts: our sources must load graphql's CJS build, the one type-graphql uses (custom scalars).
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // As in vitest.config.ts (testEnv): password hashes at scrypt N=2^13 in test runs.
    env: { PASSWORD_HASH_COST: '13' },
    fileParallelism: false,
    // As in vitest.config.ts: the dashboard servers' databases are copies of one migrated template.
    globalSetup: ['test/support/global-setup.ts'],
  },
});
