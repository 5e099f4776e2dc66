import { createHash } from 'node:crypto';

/** The fields of an audit record that its hash covers, in a fixed order. */
export interface AuditFields {
  at: number;
  actor: string;
  role: string;
  ip: string | null;
  action: string;
  subject: string;
  outcome: string;
  detail: string | null;
  requestId: string | null;
}

/** The first link of the chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** SHA-256 over the previous record's hash and this record's fields: editing either breaks every later link. */
export function auditHash(prevHash: string, f: AuditFields): string {
  const canonical = JSON.stringify([prevHash, f.at, f.actor, f.role, f.ip, f.action, f.subject, f.outcome, f.detail, f.requestId]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}

export interface ChainRow extends AuditFields {
  id: number;
  prevHash: string;
  hash: string;
}

export interface ChainReport {
  checked: number;
  /** Rows written before the chain existed (empty hash): outside it. */
  legacy: number;
  /** The first row whose link does not hold, and why. */
  broken: { id: number; reason: string } | null;
}

/** Checks rows in id order; `head` is the newest link as recorded beside the chain (finds cut-off tails). */
export function verifyChain(rows: Iterable<ChainRow>, head: { lastId: number; lastHash: string } | null): ChainReport {
  let prev = GENESIS_HASH;
  let checked = 0;
  let legacy = 0;
  let last: ChainRow | null = null;
  for (const row of rows) {
    if (row.hash === '' && checked === 0) {
      legacy += 1;
      continue;
    }
    checked += 1;
    if (row.prevHash !== prev)
      return { checked, legacy, broken: { id: row.id, reason: 'its link to the previous record does not match (a record before it was changed or removed)' } };
    if (auditHash(row.prevHash, row) !== row.hash)
      return { checked, legacy, broken: { id: row.id, reason: 'its content does not match its hash (the record was changed)' } };
    prev = row.hash;
    last = row;
  }
  if (head && (!last || last.id !== head.lastId || last.hash !== head.lastHash)) {
    return { checked, legacy, broken: { id: last?.id ?? 0, reason: `the newest record should be ${head.lastId}: records at the end were removed` } };
  }
  return { checked, legacy, broken: null };
}
