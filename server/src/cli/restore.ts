/**
 * `npm run restore -- FILE [--force]`: restores a backup of `npm run backup` into the database of
 * DATA_DIR (SQLite) or DATABASE_URL (PostgreSQL, pg_restore), which must be empty unless --force.
 * Stop the server first. Exit code 0 on success, 2 on error.
 */
import { join } from 'node:path';
import { restoreDatabase } from '../db/backup.js';
import { loadConfig } from '../common/config.js';

async function main(argv: string[]): Promise<number> {
  const file = argv.find((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: npm run restore -- FILE [--force]');
  const config = loadConfig();
  const target = { databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'haochaping.sqlite') };
  await restoreDatabase(target, file, { force: argv.includes('--force') });
  process.stdout.write(`restored ${file} into ${config.databaseUrl ? 'the PostgreSQL database of DATABASE_URL' : target.sqliteFile}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`restore failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
