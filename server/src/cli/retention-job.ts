/**
 * `npm run job:retention`: erases raters' and applicants' sealed personal data older than
 * RETENTION_DAYS (default 730) now, and exits; the server also runs it once a day. Exit code 0, 2 on error.
 */
import { join } from 'node:path';
import { allEntities } from '../app/entities.js';
import { loadConfig } from '../common/config.js';
import { retentionAudited } from '../auth/maintenance.service.js';
import { dialectOf, openDatabase } from '../db/orm.js';

async function main(): Promise<number> {
  const config = loadConfig();
  const target = { databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'haochaping.sqlite') };
  const orm = await openDatabase(target, allEntities);
  try {
    // Audited: one `retention.run` record with the counts (issue 10).
    const report = await retentionAudited({ orm, dialect: dialectOf(target) }, new Date(), config.retentionDays, {
      actor: { role: 'system', label: 'cli:job:retention' },
    });
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
