import { defineConfig } from 'vitest/config';

/** The real-browser tests (Debian's Chromium through playwright-core), run after the build: `npx vitest run --config vitest.browser.config.ts`. */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
