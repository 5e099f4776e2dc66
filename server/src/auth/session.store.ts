import { UnauthenticatedError } from '../common/errors.js';
import type { ChangeBus } from '../common/pubsub.js';
import type { Database, Em } from '../db/orm.js';
import { AppSessionSchema } from './auth.entities.js';

/** How long a session lives: ended after `idleMs` without a request, and `maxMs` after sign-in at the latest. */
export interface SessionRules {
  idleMs: number;
  maxMs: number;
}

/** Writes of `last_seen_at` are spread out: one per session at most this often. */
const TOUCH_EVERY_MS = 60_000;
/** A session's state is read again from the database after this long (another server may have ended it). */
const RECHECK_MS = 5_000;

interface Known {
  userId: number;
  lastSeenAt: number;
  expiresAt: number;
  revoked: boolean;
  checkedAt: number;
  touchedAt: number;
}

/**
 * Sessions held on the server, so that logout ends one at once and an idle one ends by itself. The
 * signed token names the session; this store says whether it is still alive. One per process, kept in
 * step with the other servers through the change bus (a logout anywhere drops it everywhere).
 */
export class SessionStore {
  private readonly known = new Map<string, Known>();
  private readonly ended = new Set<(sessionId: string) => void>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Database,
    private readonly bus: ChangeBus,
    readonly rules: SessionRules,
  ) {
    this.unsubscribe = bus.subscribe((event) => {
      const id = event.kind === 'catalog' ? event.detail?.sessionEnded : undefined;
      if (typeof id !== 'string') return;
      this.known.delete(id);
      for (const listener of this.ended) listener(id);
    });
  }

  async open(em: Em, sessionId: string, userId: number, now: number): Promise<number> {
    const expiresAt = now + this.rules.maxMs;
    em.create(AppSessionSchema, { id: sessionId, userId, createdAt: now, lastSeenAt: now, expiresAt, endedAt: null });
    await em.flush();
    return expiresAt;
  }

  /** Refuses a session that was ended, ran out, or was idle too long; otherwise records the activity. */
  async assertAlive(sessionId: string, now: number): Promise<void> {
    let s = this.known.get(sessionId);
    if (!s || now - s.checkedAt > RECHECK_MS) s = await this.load(sessionId, now);
    if (!s || s.revoked) throw new UnauthenticatedError('this session has ended (signed out); sign in again');
    if (now >= s.expiresAt) throw new UnauthenticatedError('this session reached its maximum length; sign in again');
    if (now - s.lastSeenAt > this.rules.idleMs) {
      throw new UnauthenticatedError(`this session ended after ${Math.round(this.rules.idleMs / 60_000)} minutes without activity; sign in again`);
    }
    s.lastSeenAt = now;
    if (now - s.touchedAt >= TOUCH_EVERY_MS) {
      s.touchedAt = now;
      await (this.db.orm.em.fork() as Em).nativeUpdate(AppSessionSchema, { id: sessionId, endedAt: null }, { lastSeenAt: now });
    }
  }

  /** Ends a session at once, on every server. */
  async end(sessionId: string, now: number): Promise<void> {
    await (this.db.orm.em.fork() as Em).nativeUpdate(AppSessionSchema, { id: sessionId, endedAt: null }, { endedAt: now });
    this.known.delete(sessionId);
    this.bus.publish({ kind: 'catalog', scopes: [`session:${sessionId}`], at: now, detail: { sessionEnded: sessionId } });
  }

  /** Ends every open session of a person (disabled, role changed, password reset), except `keep`. */
  async endAllOf(userId: number, now: number, keep?: string): Promise<number> {
    const em = this.db.orm.em.fork() as Em;
    const open = await em.find(AppSessionSchema, { userId, endedAt: null }, { fields: ['id'] });
    const ids = open.map((s) => s.id).filter((id) => id !== keep);
    for (const id of ids) await this.end(id, now);
    return ids.length;
  }

  /** Called with the id of every session that ends (here or on another server); returns the detach. */
  onEnded(listener: (sessionId: string) => void): () => void {
    this.ended.add(listener);
    return () => this.ended.delete(listener);
  }

  close(): void {
    this.unsubscribe();
    this.ended.clear();
    this.known.clear();
  }

  private async load(sessionId: string, now: number): Promise<Known | undefined> {
    const row = await (this.db.orm.em.fork() as Em).findOne(AppSessionSchema, { id: sessionId });
    if (!row) {
      this.known.delete(sessionId);
      return undefined;
    }
    const previous = this.known.get(sessionId);
    const known: Known = {
      userId: row.userId,
      lastSeenAt: Math.max(row.lastSeenAt, previous?.lastSeenAt ?? 0),
      expiresAt: row.expiresAt,
      revoked: row.endedAt !== null,
      checkedAt: now,
      touchedAt: previous?.touchedAt ?? row.lastSeenAt,
    };
    this.known.set(sessionId, known);
    return known;
  }
}
