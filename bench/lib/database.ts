/** Seeded databases for the scenarios: SQLite files (large ones kept in bench/.data/) or a throwaway PostgreSQL database. */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { benchConfig, createApp, ensureTagDictionary, freshEm, seedDemo } from './server.js';
import { DATA, say } from './util.js';

export interface SeedInfo {
  ratings: number;
  days: number;
  ms: number;
  ratingsPerSec: number;
  /** When the last rating row was written (then: the rollup counters, the demo rectification history). */
  rowsMs?: number;
  endAt: string;
  fileMiB: number;
  rollupCountRows: number;
  rollupTagRows: number;
}

export interface SeededDatabase {
  file: string;
  dataDir: string;
  seed: SeedInfo;
  reused: boolean;
  cleanup(): void;
}

/**
 * A SQLite file seeded with the demo city and `ratings` ratings. Large seeds are kept in
 * bench/.data/ (with a description next to them) and reused unless `fresh`.
 */
export async function seededDatabase(ratings: number, fresh: boolean): Promise<SeededDatabase> {
  // BENCH_KEEP_RATINGS lowers the threshold (e.g. to time one 100 k database before and after a change).
  const keep = ratings >= (Number(process.env.BENCH_KEEP_RATINGS) || 1_000_000);
  const dataDir = keep ? join(DATA, `seed-${ratings}`) : mkdtempSync(join(tmpdir(), 'hcp-bench-'));
  const file = join(dataDir, 'bench.sqlite');
  const infoFile = join(dataDir, 'seed.json');
  // A kept database is shared between runs: one run at a time (a second one would delete the first's files).
  const lockFile = `${dataDir}.lock`;
  if (keep) takeLock(lockFile);
  const cleanup = () => {
    if (keep) rmSync(lockFile, { force: true });
    else rmSync(dataDir, { recursive: true, force: true });
  };
  if (keep && !fresh && existsSync(infoFile) && existsSync(file)) {
    say(`reusing ${file} (seeded earlier; --fresh seeds again)`);
    return { file, dataDir, seed: JSON.parse(readFileSync(infoFile, 'utf8')) as SeedInfo, reused: true, cleanup };
  }
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  try {
    return { file, dataDir, seed: await seedInto(file, dataDir, infoFile, ratings), reused: false, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** A throwaway PostgreSQL database on the server of `adminUrl`, seeded like the SQLite ones; dropped by `cleanup`. */
export async function seededPostgres(
  adminUrl: string,
  ratings: number,
): Promise<{ file: string; dataDir: string; databaseUrl: string; seed: SeedInfo; cleanup(): Promise<void> }> {
  const name = `hcp_bench_${Date.now().toString(36)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'hcp-bench-pg-'));
  const cleanup = async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await admin(`drop database if exists ${name} with (force)`);
  };
  try {
    const seed = await seedInto(join(dataDir, 'unused.sqlite'), dataDir, join(dataDir, 'seed.json'), ratings, url.toString());
    return { file: join(dataDir, 'unused.sqlite'), dataDir, databaseUrl: url.toString(), seed, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Claims `lockFile` for this process, unless a live process holds it. */
function takeLock(lockFile: string): void {
  mkdirSync(dirname(lockFile), { recursive: true });
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {
      /* gone */
    }
    if (alive) throw new Error(`another benchmark (pid ${pid}) is using ${lockFile.replace(/\.lock$/, '')}; wait for it to finish`);
  }
  writeFileSync(lockFile, String(process.pid));
}

async function seedInto(file: string, dataDir: string, infoFile: string, ratings: number, databaseUrl?: string): Promise<SeedInfo> {
  const days = Math.min(365, Math.max(30, Math.ceil(ratings / 20_000))); // as `npm run seed`
  const app = await createApp({ sqliteFile: file, config: benchConfig(dataDir, databaseUrl ? { databaseUrl } : {}) });
  let seed: SeedInfo;
  try {
    await ensureTagDictionary(freshEm(app));
    const endAt = app.clock.now();
    const started = performance.now();
    let last = 0;
    let rowsMs = 0;
    await seedDemo(app, {
      ratings,
      days,
      endAt,
      onProgress: (done, total) => {
        const now = performance.now();
        if (done === total) rowsMs = now - started;
        if (now - last < 2000 && done < total) return;
        last = now;
        const rate = done / ((now - started) / 1000);
        say(`  seeding ${done.toLocaleString('en')}/${total.toLocaleString('en')} ratings, ${Math.round(rate).toLocaleString('en')}/s`);
      },
    });
    const ms = performance.now() - started;
    const em = freshEm(app);
    const count = async (table: string) => Number((await em.execute<Array<{ n: number }>>(`select count(*) as n from ${table}`))[0]!.n);
    seed = {
      ratings,
      days,
      ms: Math.round(ms),
      ratingsPerSec: Math.round(ratings / (ms / 1000)),
      rowsMs: Math.round(rowsMs),
      endAt: endAt.toISOString(),
      fileMiB: 0,
      rollupCountRows: await count('rollup_count'),
      rollupTagRows: await count('rollup_tag'),
    };
  } finally {
    await app.close();
  }
  seed.fileMiB = databaseUrl ? 0 : Math.round(statSync(file).size / 2 ** 20);
  writeFileSync(infoFile, `${JSON.stringify(seed, null, 2)}\n`);
  say(`seeded ${ratings.toLocaleString('en')} ratings in ${(seed.ms / 1000).toFixed(1)} s (${seed.ratingsPerSec.toLocaleString('en')}/s), ${seed.fileMiB} MiB`);
  return seed;
}
