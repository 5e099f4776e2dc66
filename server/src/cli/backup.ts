/**
 * `npm run backup [-- --out FILE]`: a consistent copy of the database while the server runs (SQLite:
 * online backup; PostgreSQL: pg_dump custom format), mode 0600. Default file:
 * DATA_DIR/backups/haochaping-<UTC time>.sqlite (or .dump). Exit code 0 on success, 2 on error.
 */
import { join } from 'node:path';
import { backupDatabase } from '../db/backup.js';
import { loadConfig } from '../common/config.js';

async function main(argv: string[]): Promise<number> {
  const config = loadConfig();
  const target = { databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'haochaping.sqlite') };
  const at = argv.indexOf('--out');
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  const out = at >= 0 && argv[at + 1] ? argv[at + 1]! : join(config.dataDir, 'backups', `haochaping-${stamp}.${config.databaseUrl ? 'dump' : 'sqlite'}`);
  const { bytes } = await backupDatabase(target, out);
  process.stdout.write(`backup written to ${out} (${bytes} bytes, mode 0600)\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`backup failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
