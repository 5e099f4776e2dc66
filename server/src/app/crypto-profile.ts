import { startAuditChain } from '../auth/audit.service.js';
import type { CryptoProfile } from '../common/crypto.js';
import { CryptoProfileMismatchError } from '../common/errors.js';
import { SEALED_COLUMNS } from '../db/key-rotation.js';
import { MetaSchema } from '../db/meta.entity.js';
import type { Database, Em } from '../db/orm.js';

const KEY = 'crypto_profile';

/** Tables whose rows hold values sealed, hashed or chained under the profile's algorithms. */
const PROFILE_TABLES = [...SEALED_COLUMNS.map((c) => c.table), 'api_key', 'audit_log', 'sms_invitation'];

/**
 * Fixes the installation's CRYPTO_PROFILE at its first start (a row in `app_meta`) and refuses any later
 * start with another one: sealed values, API-key digests, blind indexes and the audit chain are made with
 * the profile's algorithms, and mixing them is never done. A database that holds data from before the
 * profile existed was made with `intl`. Also starts the audit chain with the profile's hash.
 */
export async function fixCryptoProfile(db: Database, configured: CryptoProfile): Promise<CryptoProfile> {
  const em = db.orm.em.fork() as Em;
  let stored = (await em.findOne(MetaSchema, { key: KEY }))?.value;
  if (!stored) {
    const profile = (await holdsData(em)) ? 'intl' : configured;
    // Two servers starting on a new database at once: the first row wins, the other reads it back.
    await em.execute('insert into app_meta ("key", "value") values (?, ?) on conflict ("key") do nothing', [KEY, profile], 'run');
    stored = (await em.fork().findOne(MetaSchema, { key: KEY }))?.value;
  }
  if (stored !== configured) {
    throw new CryptoProfileMismatchError(
      `CRYPTO_PROFILE is ${configured}, but this database was created with CRYPTO_PROFILE=${stored}: its personal data, key digests and audit chain ` +
        `use the ${stored} algorithms. Start with CRYPTO_PROFILE=${stored} (the profile is chosen once, at install time).`,
      { configured, stored },
    );
  }
  await startAuditChain(db, configured === 'sm' ? 'sm3' : 'sha256');
  return configured;
}

async function holdsData(em: Em): Promise<boolean> {
  for (const table of PROFILE_TABLES) {
    const rows = await em.execute<Array<Record<string, unknown>>>(`select 1 as x from ${table} limit 1`);
    if (rows.length > 0) return true;
  }
  return false;
}
