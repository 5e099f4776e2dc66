import { join } from 'node:path';
import { loadConfig } from '../common/config.js';
import type { Em } from '../db/orm.js';
import { dialectOf, openDatabase } from '../db/orm.js';
import { allEntities } from '../app/entities.js';
import { rebuildRollups } from '../stats/rebuild.js';
import { publishResync } from '../common/redis-bridge.js';

/**
 * `npm run stats:rebuild [-- --check]`: recomputes every rollup from the raw rows and fixes (or, with
 * --check, only reports) the differences. Exit code 0 when the counters were right or were fixed,
 * 1 when --check found differences, 2 on error.
 */
async function main(argv: string[]): Promise<number> {
  const check = argv.includes('--check');
  const config = loadConfig();
  const target = { databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'haochaping.sqlite') };
  const orm = await openDatabase(target, allEntities);
  try {
    const report = await rebuildRollups(orm.em.fork() as Em, { fix: !check, dialect: dialectOf(target) });
    const out = process.stdout;
    out.write(`ratings recounted: ${report.ratings}\n`);
    out.write(
      `counters expected: ${report.countRows} count rows, ${report.tagRows} tag rows, ${report.dimensionRows} dimension rows, ${report.totalCells} total cells (${report.ms} ms)\n`,
    );
    if (report.differences.length === 0) {
      out.write('every rollup matches the raw rows\n');
      return 0;
    }
    out.write(`${report.differences.length} difference(s) ${report.fixed ? 'fixed' : 'found (not fixed: --check)'}:\n`);
    for (const d of report.differences.slice(0, 200)) out.write(`  ${d.table} ${d.key}: stored ${d.stored}, expected ${d.expected}\n`);
    if (report.differences.length > 200) out.write(`  … and ${report.differences.length - 200} more\n`);
    if (report.fixed && config.redisUrl) await publishResync(config.redisUrl, `stats-rebuild-${process.pid}`, config.redisChannel);
    return report.fixed ? 0 : 1;
  } finally {
    await orm.close(true);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`stats:rebuild failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(2);
  },
);
