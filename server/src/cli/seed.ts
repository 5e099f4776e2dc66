/**
 * `npm run seed -- --ratings 10000000 [--days 365] [--reset]`: loads the demo city into the configured
 * database (DATA_DIR's SQLite file, or DATABASE_URL) with a progress bar. Refuses a non-empty database
 * unless --reset is given, which deletes the SQLite file first (PostgreSQL: use an empty database).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createApp } from '../app/app.js';
import { ensureTagDictionary } from '../catalog/catalog.service.js';
import { loadConfig } from '../common/config.js';
import type { Em } from '../db/orm.js';
import { DepartmentSchema } from '../catalog/catalog.entities.js';
import { printCredentials, seedDemo } from '../../../seeds/seeder.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} needs a non-negative integer, got ${process.argv[i + 1]}`);
  return value;
}

async function main(): Promise<void> {
  const config = loadConfig();
  const ratings = arg('ratings', config.seedRatings);
  const days = arg('days', Math.min(365, Math.max(30, Math.ceil(ratings / 20_000))));
  if (process.argv.includes('--reset') && !config.databaseUrl) {
    for (const suffix of ['', '-wal', '-shm']) {
      const file = join(config.dataDir, `haochaping.sqlite${suffix}`);
      if (existsSync(file)) rmSync(file);
    }
  }
  const app = await createApp({ config: { seedDemo: false } });
  try {
    const em = app.orm.em.fork() as Em;
    if ((await em.count(DepartmentSchema, {})) > 0) {
      throw new Error('the database already holds data; run with --reset (SQLite) or point DATABASE_URL at an empty database');
    }
    await ensureTagDictionary(em);
    const started = Date.now();
    await seedDemo(app, { ratings, days, onProgress: (done, total) => progress(done, total, started) });
    process.stdout.write(`\nseeded ${ratings.toLocaleString('en')} ratings over ${days} days in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    printCredentials();
  } finally {
    await app.close();
  }
}

function progress(done: number, total: number, started: number): void {
  const width = 30;
  const share = total ? done / total : 1;
  const filled = Math.round(share * width);
  const rate = done / Math.max(0.001, (Date.now() - started) / 1000);
  const eta = rate > 0 ? (total - done) / rate : 0;
  process.stdout.write(
    `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(1)}% ` +
      `${done.toLocaleString('en')}/${total.toLocaleString('en')} ratings, ${Math.round(rate).toLocaleString('en')}/s, ETA ${Math.round(eta)} s   `,
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
