import type { Actor } from '../common/actor.js';
import type { PiiCipher } from '../common/crypto.js';
import { rotateSealedValues, type RotationReport } from '../db/key-rotation.js';
import type { Database, Em } from '../db/orm.js';
import { anonymiseExpired, type RetentionReport } from '../db/retention.js';
import { recordAudit } from './audit.service.js';

/**
 * The maintenance runs that touch every sealed value, audited (issue 10, 安全审计: "every change of a
 * key"; PIPL: erasure of personal data): one record per run with its counts, written after the run
 * (the run itself is many short transactions beside a live server, so it cannot share one with its
 * record). A run that throws is recorded as failed before the error goes on.
 */

/** `npm run keys:rotate`: `keys.rotate`, outcome `failed` when some value could not be opened. */
export async function rotateKeysAudited(
  db: Database,
  cipher: PiiCipher,
  options: { batch?: number; actor?: Actor; now?: () => number } = {},
): Promise<RotationReport> {
  const actor = options.actor ?? { role: 'system', label: 'cli:keys:rotate' };
  const now = options.now ?? Date.now;
  const subject = `pii-key:${cipher.currentKeyId}`;
  let report: RotationReport;
  try {
    report = await rotateSealedValues(db.orm.em.fork() as Em, cipher, { batch: options.batch });
  } catch (err) {
    await recordAudit(db, { actor, action: 'keys.rotate', subject, outcome: 'failed', detail: `error: ${errorText(err)}` }, now());
    throw err;
  }
  const detail = `rows read ${report.rows}, resealed ${report.resealed}, not opened ${report.failed.length}`;
  await recordAudit(db, { actor, action: 'keys.rotate', subject, outcome: report.failed.length ? 'failed' : 'ok', detail }, now());
  return report;
}

/** The retention job (daily in the server, `npm run job:retention`): `retention.run` with the counts. */
export async function retentionAudited(
  db: Database,
  at: Date,
  days: number,
  options: { batch?: number; actor?: Actor; now?: () => number } = {},
): Promise<RetentionReport> {
  const actor = options.actor ?? { role: 'system', label: 'job:retention' };
  const now = options.now ?? (() => at.getTime());
  const subject = `retention:${days}d`;
  let report: RetentionReport;
  try {
    report = await anonymiseExpired(db.orm.em.fork() as Em, at, days, { batch: options.batch });
  } catch (err) {
    await recordAudit(db, { actor, action: 'retention.run', subject, outcome: 'failed', detail: `error: ${errorText(err)}` }, now());
    throw err;
  }
  const detail = `before ${report.cutoff.toISOString()}: ratings ${report.ratings}, cases ${report.cases} anonymised`;
  await recordAudit(db, { actor, action: 'retention.run', subject, detail }, now());
  return report;
}

/** A driver message may quote values: only the kind of error is recorded (the CLI prints the message). */
function errorText(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}
