import type { PiiCipher } from '../common/crypto.js';
import type { Em } from './orm.js';

/**
 * Every value sealed with a PII key (R12): plain columns holding `v1.<keyId>.…`, and the outbox payloads
 * (JSON with `{ "$sealed": "v1.…" }` leaves). A new column of sealed data must be listed here.
 */
export const SEALED_COLUMNS: ReadonlyArray<{ table: string; columns: string[]; json?: boolean }> = [
  { table: 'case_record', columns: ['applicant_name_sealed', 'applicant_mobile_sealed', 'applicant_cert_sealed'] },
  { table: 'rating', columns: ['rater_name_sealed', 'rater_mobile_sealed', 'comment_sealed'] },
  { table: 'app_user', columns: ['totp_secret'] },
  { table: 'outbox', columns: ['payload'], json: true },
];

export interface RotationReport {
  /** Values sealed again under the current key. */
  resealed: number;
  /** Rows read. */
  rows: number;
  /** Values that could not be opened (key missing from PII_OLD_KEYS, or changed behind our back). */
  failed: Array<{ table: string; id: number; column: string; error: string }>;
}

/**
 * Reseals every value not sealed with the current key, table by table in batches of `batch` rows, each
 * batch its own short transaction, while the server keeps running. Each update is conditional on the
 * value being unchanged since it was read, so a concurrent write (a new TOTP secret, the retention job)
 * wins and is never overwritten with an older value.
 */
export async function rotateSealedValues(em: Em, cipher: PiiCipher, options: { batch?: number } = {}): Promise<RotationReport> {
  const batch = options.batch ?? 500;
  const report: RotationReport = { resealed: 0, rows: 0, failed: [] };
  for (const { table, columns, json } of SEALED_COLUMNS) {
    let after = 0;
    for (;;) {
      const rows = await em.execute<Array<Record<string, unknown>>>(`select id, ${columns.join(', ')} from ${table} where id > ? order by id limit ${batch}`, [
        after,
      ]);
      if (rows.length === 0) break;
      report.rows += rows.length;
      after = Number(rows[rows.length - 1]!.id);
      await em.transactional(async (tx) => {
        for (const row of rows) {
          for (const column of columns) {
            const value = row[column];
            if (typeof value !== 'string' || value === '') continue;
            let next: string | null;
            try {
              next = json ? resealJson(cipher, value) : cipher.reseal(value);
            } catch (err) {
              report.failed.push({ table, id: Number(row.id), column, error: err instanceof Error ? err.message : String(err) });
              continue;
            }
            if (next === null) continue;
            await (tx as Em).execute(`update ${table} set ${column} = ? where id = ? and ${column} = ?`, [next, row.id, value], 'run');
            report.resealed++;
          }
        }
      });
    }
  }
  return report;
}

/** A JSON payload with every `{ "$sealed": … }` leaf resealed, or null when none needed it. */
function resealJson(cipher: PiiCipher, payload: string): string | null {
  if (!payload.includes('"$sealed"')) return null;
  let changed = false;
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (value && typeof value === 'object') {
      const record = value as Record<string, unknown>;
      if (typeof record.$sealed === 'string' && Object.keys(record).length === 1) {
        const next = cipher.reseal(record.$sealed);
        if (next === null) return value;
        changed = true;
        return { $sealed: next };
      }
      return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, walk(v)]));
    }
    return value;
  };
  const out = JSON.stringify(walk(JSON.parse(payload)));
  return changed ? out : null;
}
