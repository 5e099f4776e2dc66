import { mkdirSync, statfsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// scripts/test.sh runs this suite twice: on SQLite, then on PostgreSQL and Redis (DATABASE_URL set).
// The second run repeats only what can behave differently there: the pure domain logic, the dashboard's
// own modules and the import-graph check run once, in the SQLite run.
const onPostgres = Boolean(process.env.DATABASE_URL);
const storageFree = ['test/**/*.logic.test.ts', 'test/dashboard/**', 'test/server/architecture/**', 'test/server/ops/audit-deps.test.ts'];

/**
 * The test servers' throwaway databases (and other temp files) on a RAM disk when the machine has one with
 * room: SQLite with synchronous=FULL waits for the disk at every commit (about 4 ms each on the CI
 * machine's disk, thousands of commits per run). A SIGKILLed process loses nothing the kernel holds, so the
 * crash test is as telling there; only a power cut would tell the difference, and no test makes one.
 * TEST_TMPDIR overrides (`TEST_TMPDIR=/tmp` keeps them on disk).
 */
function testTmpdir(): string | undefined {
  if (process.env.TEST_TMPDIR) return process.env.TEST_TMPDIR;
  try {
    const fs = statfsSync('/dev/shm');
    if (fs.bavail * fs.bsize < 2 * 1024 ** 3) return undefined; // a small /dev/shm (containers: 64 MiB) stays unused
    const dir = '/dev/shm/haochaping-tests';
    mkdirSync(dir, { recursive: true });
    return dir;
  } catch {
    return undefined;
  }
}

/**
 * What only the test runs set (README, settings): password hashes at scrypt N=2^13 instead of 2^15 (a
 * quarter of the CPU and memory per sign-in on a 2-core machine running several test files; still the same
 * code path and a real memory-hard check, so the sign-in timing test still tells a skipped check apart).
 */
export const testEnv: Record<string, string> = {
  PASSWORD_HASH_COST: '13',
  ...(testTmpdir() ? { TMPDIR: testTmpdir()! } : {}),
};

export default defineConfig({
  // graphql ships CJS and ESM builds; type-graphql and Apollo load the CJS one, so our sources must too,
  // or the two copies reject each other's schema objects.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/browser/**', 'node_modules/**', ...(onPostgres ? storageFree : [])],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    env: testEnv,
    // Two files at a time (vitest would take one on 2 cores): most of a file's time is spent waiting on
    // its server, the disk (synchronous=FULL) or PostgreSQL. Each file has its own databases, rate-limit
    // namespace and Redis channel. TEST_WORKERS overrides.
    maxWorkers: Number(process.env.TEST_WORKERS ?? 2),
    // A worker keeps its loaded modules from one file to the next: every file imports the whole server,
    // and importing it again for each file was the suite's largest single cost. Files share no state
    // through modules (each starts its own servers with their own databases; stubs are undone in afterEach).
    isolate: false,
    // Migrates a template database once per run; each test server's database is a copy of it.
    globalSetup: ['test/support/global-setup.ts'],
  },
});
