/**
 * `npm run audit:verify`: checks every link of the audit chain (安全审计). Exit code 0 when the chain
 * holds, 1 when a record was changed or removed behind the application's back, 2 on error.
 */
import { join } from 'node:path';
import { allEntities } from '../app/entities.js';
import { verifyAuditChain } from '../auth/audit.service.js';
import { loadConfig } from '../common/config.js';
import { MetaSchema } from '../db/meta.entity.js';
import { dialectOf, openDatabase } from '../db/orm.js';

async function main(): Promise<number> {
  const config = loadConfig();
  const target = { databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'haochaping.sqlite') };
  const orm = await openDatabase(target, allEntities);
  try {
    const report = await verifyAuditChain({ orm, dialect: dialectOf(target) });
    process.stdout.write(`audit records checked: ${report.checked}${report.legacy ? ` (and ${report.legacy} written before the chain existed)` : ''}\n`);
    process.stdout.write(`hash of the chain: ${report.alg === 'sm3' ? 'SM3' : 'SHA-256'}\n`);
    // The chain's links say which hash they use; it must be the one of the profile the database was created with.
    const profile = (await orm.em.fork().findOne(MetaSchema, { key: 'crypto_profile' }))?.value ?? 'intl';
    if (!report.broken && (profile === 'sm') !== (report.alg === 'sm3')) {
      process.stdout.write(`BROKEN: this database uses CRYPTO_PROFILE=${profile}, but its audit chain is hashed with ${report.alg}\n`);
      return 1;
    }
    if (!report.broken) {
      process.stdout.write('the audit chain holds: no record was changed or removed\n');
      return 0;
    }
    process.stdout.write(`BROKEN at record ${report.broken.id}: ${report.broken.reason}\n`);
    return 1;
  } finally {
    await orm.close(true);
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`audit:verify failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
