/**
 * `npm run job:retention`: erases raters' and applicants' sealed personal data older than
 * RETENTION_DAYS (default 730) now, and exits; the server also runs it once a day. Exit code 0, 2 on error.
 */
import { join } from 'node:path';
import { allEntities } from '../app/entities.js';
import { loadConfig } from '../common/config.js';
import { anonymiseExpired } from '../db/retention.js';
import type { Em } from '../db/orm.js';
import { openDatabase } from '../db/orm.js';

async function main(): Promise<number> {
  const config = loadConfig();
  const orm = await openDatabase({ databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'haochaping.sqlite') }, allEntities);
  try {
    const report = await anonymiseExpired(orm.em.fork() as Em, new Date(), config.retentionDays);
    process.stdout.write(
      `retention ${config.retentionDays} days (before ${report.cutoff.toISOString()}): ${report.ratings} rating(s) and ${report.cases} case(s) anonymised\n`,
    );
    return 0;
  } finally {
    await orm.close(true);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`job:retention failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
