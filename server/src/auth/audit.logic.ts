import { createHash } from 'node:crypto';
import { sm3Hex } from '../common/crypto.js';

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

/**
 * The hash of the chain, recorded in every link: a SHA-256 link is 64 hex digits (as since the chain
 * began); an SM3 link (profile `sm`) is `sm3:` and the digest in base64url, so a verifier never guesses.
 */
export type AuditHashAlg = 'sha256' | 'sm3';

/** The first link of the chain (the `prevHash` of its first record). */
export const GENESIS_HASH = '0'.repeat(64);
export const SM3_GENESIS_HASH = `sm3:${Buffer.alloc(32).toString('base64url')}`;

export function genesisOf(alg: AuditHashAlg): string {
  return alg === 'sm3' ? SM3_GENESIS_HASH : GENESIS_HASH;
}

/** The algorithm a link (a record's hash or the head's last hash) was made with. */
export function hashAlgOf(hash: string): AuditHashAlg {
  return hash.startsWith('sm3:') ? 'sm3' : 'sha256';
}

/** A hash over the previous record's hash and this record's fields: editing either breaks every later link. */
export function auditHash(prevHash: string, f: AuditFields, alg: AuditHashAlg = 'sha256'): string {
  const canonical = JSON.stringify([prevHash, f.at, f.actor, f.role, f.ip, f.action, f.subject, f.outcome, f.detail, f.requestId]);
  if (alg === 'sm3') return `sm3:${Buffer.from(sm3Hex(canonical), 'hex').toString('base64url')}`;
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
  /** The hash the chain uses. */
  alg: AuditHashAlg;
  /** The first row whose link does not hold, and why. */
  broken: { id: number; reason: string } | null;
}

/** Checks rows in id order; `head` is the newest link as recorded beside the chain (finds cut-off tails). */
export function verifyChain(rows: Iterable<ChainRow>, head: { lastId: number; lastHash: string } | null): ChainReport {
  let prev: string | null = null;
  let alg: AuditHashAlg = 'sha256';
  let checked = 0;
  let legacy = 0;
  let last: ChainRow | null = null;
  for (const row of rows) {
    if (row.hash === '' && checked === 0) {
      legacy += 1;
      continue;
    }
    checked += 1;
    if (prev === null) {
      // The first link names the chain's hash; every later one must use it too (the profile is fixed).
      alg = hashAlgOf(row.hash);
      prev = genesisOf(alg);
    }
    if (hashAlgOf(row.hash) !== alg)
      return { checked, legacy, alg, broken: { id: row.id, reason: `its hash is not ${alg} like the chain's (the record was changed)` } };
    if (row.prevHash !== prev)
      return {
        checked,
        legacy,
        alg,
        broken: { id: row.id, reason: 'its link to the previous record does not match (a record before it was changed or removed)' },
      };
    if (auditHash(row.prevHash, row, alg) !== row.hash)
      return { checked, legacy, alg, broken: { id: row.id, reason: 'its content does not match its hash (the record was changed)' } };
    prev = row.hash;
    last = row;
  }
  if (checked === 0 && head) alg = hashAlgOf(head.lastHash);
  if (head && (last ? last.id !== head.lastId || last.hash !== head.lastHash : head.lastId !== 0)) {
    return { checked, legacy, alg, broken: { id: last?.id ?? 0, reason: `the newest record should be ${head.lastId}: records at the end were removed` } };
  }
  return { checked, legacy, alg, broken: null };
}
