import type { Actor } from '../common/actor.js';
import type { Database, Dialect, Em } from '../db/orm.js';
import { AuditEntrySchema, AuditHeadSchema, type AuditEntry } from './auth.entities.js';
import { auditHash, genesisOf, GENESIS_HASH, hashAlgOf, verifyChain, type AuditFields, type AuditHashAlg, type ChainReport } from './audit.logic.js';

/** One audited event, as the feature that audits it describes it. */
export interface AuditEvent {
  actor: Actor;
  action: string;
  subject: string;
  outcome?: 'ok' | 'refused' | 'failed';
  detail?: string | null;
  ip?: string | null;
  requestId?: string | null;
}

/**
 * Appends a record to the chain inside the caller's transaction, so the audited operation and its
 * record commit together or not at all (an audit write that fails fails the operation). The head row is
 * locked while the link is made, so records from several servers form one chain.
 */
export async function appendAudit(tx: Em, dialect: Dialect, event: AuditEvent, now: number): Promise<AuditEntry> {
  const head = await lockHead(tx, dialect);
  const fields: AuditFields = {
    at: now,
    actor: event.actor.label.slice(0, 100),
    role: event.actor.role,
    ip: (event.ip ?? event.actor.ip)?.slice(0, 64) ?? null,
    action: event.action.slice(0, 60),
    subject: event.subject.slice(0, 100),
    outcome: event.outcome ?? 'ok',
    detail: event.detail?.slice(0, 500) ?? null,
    requestId: (event.requestId ?? event.actor.requestId)?.slice(0, 40) ?? null,
  };
  const prevHash = head.lastHash;
  // The chain keeps the hash it began with (the head's link says which: SHA-256, or SM3 under CRYPTO_PROFILE=sm).
  const entry = tx.create(AuditEntrySchema, { ...fields, prevHash, hash: auditHash(prevHash, fields, hashAlgOf(prevHash)) });
  await tx.flush();
  await tx.nativeUpdate(AuditHeadSchema, { id: 1 }, { lastId: entry.id, lastHash: entry.hash });
  return entry;
}

/** Appends in a transaction of its own (for events whose operation has no transaction, e.g. a refused sign-in). */
export async function recordAudit(db: Database, event: AuditEvent, now: number): Promise<void> {
  await (db.orm.em.fork() as Em).transactional((tx) => appendAudit(tx as Em, db.dialect, event, now));
}

async function lockHead(tx: Em, dialect: Dialect): Promise<{ lastId: number; lastHash: string }> {
  // SQLite has one writer at a time; PostgreSQL locks the head row until this transaction ends.
  const rows = await tx.execute<Array<{ last_id: number; last_hash: string }>>(
    `select last_id, last_hash from audit_head where id = 1${dialect === 'postgresql' ? ' for update' : ''}`,
  );
  if (rows[0]) return { lastId: Number(rows[0].last_id), lastHash: rows[0].last_hash };
  // The first record ever: the head row is created under the same transaction (a racing first insert
  // on another server fails on the primary key and is retried by its caller as a conflict).
  await tx.execute('insert into audit_head (id, last_id, last_hash) values (1, 0, ?)', [GENESIS_HASH]);
  return { lastId: 0, lastHash: GENESIS_HASH };
}

/**
 * Starts the chain with the profile's hash when it has no head yet (first start of an installation):
 * the head's genesis link says which hash every record uses. A chain that exists is left as it is.
 */
export async function startAuditChain(db: Database, alg: AuditHashAlg): Promise<void> {
  const em = db.orm.em.fork() as Em;
  await em.execute('insert into audit_head (id, last_id, last_hash) values (1, 0, ?) on conflict (id) do nothing', [genesisOf(alg)], 'run');
}

/** Reads the whole chain in id order, in pages, and checks every link (`npm run audit:verify`). */
export async function verifyAuditChain(db: Database): Promise<ChainReport> {
  const em = db.orm.em.fork() as Em;
  const head = await em.findOne(AuditHeadSchema, { id: 1 });
  const rows: AuditEntry[] = [];
  let after = 0;
  for (;;) {
    const page = await em.find(AuditEntrySchema, { id: { $gt: after } }, { orderBy: { id: 'asc' }, limit: 5000 });
    if (page.length === 0) break;
    rows.push(...page);
    after = page[page.length - 1]!.id;
    em.clear();
  }
  return verifyChain(rows, head ? { lastId: head.lastId, lastHash: head.lastHash } : null);
}
