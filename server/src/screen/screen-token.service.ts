import type { App } from '../app.js';
import type { Actor } from '../auth/roles.js';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../common/errors.js';
import type { ChangeEvent } from '../common/pubsub.js';
import type { Em } from '../db/orm.js';
import { DepartmentSchema } from '../catalog/catalog.entities.js';
import { mayManageToken, resolveTokenScope, type TokenScope } from './screen.logic.js';
import { ScreenTokenSchema, type ScreenToken, type ScreenTokenKind } from './screen-token.entity.js';

const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;
const REVOKED = 'screenTokenRevoked';

interface TokenCache { entries: Map<string, { active: boolean; until: number }>; unsubscribe: () => void }
const caches = new WeakMap<App, TokenCache>();

/**
 * Called by the auth layer for every screen or embed token: refuses a token whose jti was revoked (or
 * was never recorded). Answers are cached for 30 s; a revocation clears the cache at once on this
 * server and, through the change bus (and Redis when bridged), on the others.
 */
export async function assertScreenTokenActive(app: App, jti: string): Promise<void> {
  const cache = cacheFor(app);
  const now = Date.now();
  let hit = cache.entries.get(jti);
  if (!hit || hit.until < now) {
    const row = await (app.orm.em.fork() as Em).findOne(ScreenTokenSchema, { jti }, { fields: ['id', 'revokedAt'] });
    hit = { active: row !== null && row.revokedAt === null, until: now + CACHE_MS };
    if (cache.entries.size >= CACHE_MAX) cache.entries.delete(cache.entries.keys().next().value!);
    cache.entries.set(jti, hit);
  }
  if (!hit.active) throw new UnauthenticatedError('this screen or embed token has been revoked; ask a supervisor for a new one');
}

function cacheFor(app: App): TokenCache {
  let cache = caches.get(app);
  if (!cache) {
    const entries = new Map<string, { active: boolean; until: number }>();
    const unsubscribe = app.bus.subscribe((event: ChangeEvent) => {
      const jti = event.detail?.[REVOKED];
      if (typeof jti === 'string') entries.delete(jti);
    });
    caches.set(app, (cache = { entries, unsubscribe }));
  }
  return cache;
}

export interface IssueScreenTokenInput extends TokenScope { kind: ScreenTokenKind; label: string }

/** Signs a read-only token that does not expire and records its jti so it can be revoked. */
export async function issueScreenToken(app: App, actor: Actor, input: IssueScreenTokenInput): Promise<{ row: ScreenToken; token: string }> {
  const em = app.orm.em.fork() as Em;
  const department = input.departmentId !== null ? await em.findOne(DepartmentSchema, { id: input.departmentId }) : null;
  const scope = resolveTokenScope(actor, input, department, input.label);
  const typ = input.kind === 'EMBED' ? 'embed' : 'screen';
  const sub = scope.departmentId !== null ? `D:${scope.departmentId}` : scope.regionCode !== null ? `R:${scope.regionCode}` : 'T';
  const claims: Record<string, unknown> = {};
  if (scope.regionCode !== null) claims.regionCode = scope.regionCode;
  if (scope.departmentId !== null) claims.departmentId = scope.departmentId;
  const { token, jti } = await app.tokens.sign(typ, sub, null, claims);
  const row = em.create(ScreenTokenSchema, {
    jti, kind: input.kind, label: input.label.trim(), regionCode: scope.regionCode, departmentId: scope.departmentId,
    issuedBy: actor.label, createdAt: app.clock.now().getTime(), revokedAt: null,
  });
  await em.flush();
  return { row, token };
}

/** Revokes a token by its jti; idempotent. Supervisors revoke only tokens inside their region. */
export async function revokeScreenToken(app: App, actor: Actor, jti: string): Promise<ScreenToken> {
  const em = app.orm.em.fork() as Em;
  const row = await em.findOne(ScreenTokenSchema, { jti });
  if (!row) throw NotFoundError.of('screen token', jti);
  if (!mayManageToken(actor, row, await departmentRegion(em, row.departmentId))) throw ForbiddenError.scope(`screen token ${jti}`);
  if (row.revokedAt === null) {
    row.revokedAt = app.clock.now().getTime();
    await em.flush();
  }
  cacheFor(app).entries.delete(jti);
  // No live topic listens to this scope: the event only reaches the token caches of every server.
  app.bus.publish({ kind: 'catalog', scopes: [`screen-token:${jti}`], at: app.clock.now().getTime(), origin: app.instanceId, detail: { [REVOKED]: jti } });
  return row;
}

/** The tokens a caller may manage, newest first. */
export async function listScreenTokens(app: App, actor: Actor, includeRevoked: boolean): Promise<ScreenToken[]> {
  const em = app.orm.em.fork() as Em;
  const rows = await em.find(ScreenTokenSchema, includeRevoked ? {} : { revokedAt: null }, { orderBy: { id: 'desc' }, limit: 500 });
  const deptIds = [...new Set(rows.map((r) => r.departmentId).filter((id): id is number => id !== null))];
  const depts = deptIds.length ? await em.find(DepartmentSchema, { id: { $in: deptIds } }) : [];
  const regionOf = new Map(depts.map((d) => [d.id, d.regionCode]));
  return rows.filter((r) => mayManageToken(actor, r, r.departmentId !== null ? regionOf.get(r.departmentId) ?? null : null));
}

async function departmentRegion(em: Em, departmentId: number | null): Promise<string | null> {
  if (departmentId === null) return null;
  return (await em.findOne(DepartmentSchema, { id: departmentId }))?.regionCode ?? null;
}
