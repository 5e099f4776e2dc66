/**
 * `npm run keys:rotate`: reseals every stored personal value (and TOTP secrets, and sealed outbox
 * payloads) under the current PII key, in small batches, while the server runs. Rotation: set the new
 * PII_KEY and PII_KEY_ID, move the old key to PII_OLD_KEYS (`id:base64,…`), restart the server, run
 * this, then drop the old key. Exit code 0 when every value is under the current key, 1 when some
 * could not be opened (listed), 2 on error.
 */
import { join } from 'node:path';
import { fixCryptoProfile } from '../app/crypto-profile.js';
import { allEntities } from '../app/entities.js';
import { loadConfig } from '../common/config.js';
import { loadSecrets } from '../common/secrets.js';
import { rotateKeysAudited } from '../auth/maintenance.service.js';
import { dialectOf, openDatabase } from '../db/orm.js';

async function main(argv: string[]): Promise<number> {
  const config = loadConfig();
  const { cipher } = loadSecrets(config);
  const at = argv.indexOf('--batch');
  const batch = at >= 0 ? Math.max(1, Number(argv[at + 1]) || 500) : 500;
  const target = { databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'haochaping.sqlite') };
  const orm = await openDatabase(target, allEntities);
  try {
    // Values are resealed with the profile's cipher: only the profile the database was created with.
    await fixCryptoProfile({ orm, dialect: dialectOf(target) }, config.cryptoProfile);
    // Audited: one `keys.rotate` record with the counts (issue 10).
    const report = await rotateKeysAudited({ orm, dialect: dialectOf(target) }, cipher, { batch });
    process.stdout.write(`rows read: ${report.rows}; values resealed under key ${config.piiKey ? config.piiKeyId : 'dev'}: ${report.resealed}\n`);
    if (report.failed.length === 0) {
      process.stdout.write('every sealed value is under the current key: the old key may be dropped from PII_OLD_KEYS\n');
      return 0;
    }
    process.stdout.write(`${report.failed.length} value(s) could not be opened (keep the old key until they are dealt with):\n`);
    for (const f of report.failed.slice(0, 100)) process.stdout.write(`  ${f.table} #${f.id} ${f.column}: ${f.error}\n`);
    return 1;
  } finally {
    await orm.close(true);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`keys:rotate failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
