import { appendAudit } from '../auth/audit.service.js';
import type { Actor } from '../common/actor.js';
import type { ScreenTokenCheck } from '../auth/auth.service.js';
import type { TokenService } from '../auth/tokens.js';
import type { Kernel } from '../common/kernel.js';
import { ForbiddenError, NotFoundError, UnauthenticatedError } from '../common/errors.js';
import type { ChangeBus } from '../common/pubsub.js';
import type { Database, Em } from '../db/orm.js';
import { DepartmentSchema } from '../catalog/catalog.entities.js';
import { mayManageToken, resolveTokenScope, type TokenScope } from './screen.logic.js';
import { ScreenTokenSchema, type ScreenToken, type ScreenTokenKind } from './screen-token.entity.js';
import { scopeKey } from '../common/scope-key.js';

const CACHE_MS = 30_000;
const CACHE_MAX = 10_000;

/** What managing screen and embed tokens needs. */
export interface ScreenTokenDeps extends Kernel, Database {
  readonly tokens: TokenService;
  readonly bus: ChangeBus;
  readonly screenTokens: ScreenTokenCache;
}

/**
 * Asked by the auth layer for every screen or embed token: refuses a token whose jti was revoked (or
 * was never recorded). Answers are cached for 30 s; a revocation clears the cache at once on this
 * server and, through the change bus (and Redis when bridged), on the others. One per process.
 */
export class ScreenTokenCache implements ScreenTokenCheck {
  private readonly entries = new Map<string, { active: boolean; until: number }>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly db: Database,
    bus: ChangeBus,
  ) {
    this.unsubscribe = bus.subscribe((event) => {
      const jti = event.kind === 'catalog' ? event.detail?.screenTokenRevoked : undefined;
      if (typeof jti === 'string') this.entries.delete(jti);
    });
  }

  async assertActive(jti: string): Promise<void> {
    const now = Date.now();
    let hit = this.entries.get(jti);
    if (!hit || hit.until < now) {
      const row = await (this.db.orm.em.fork() as Em).findOne(ScreenTokenSchema, { jti }, { fields: ['id', 'revokedAt'] });
      hit = { active: row !== null && row.revokedAt === null, until: now + CACHE_MS };
      if (this.entries.size >= CACHE_MAX) this.entries.delete(this.entries.keys().next().value!);
      this.entries.set(jti, hit);
    }
    if (!hit.active) throw new UnauthenticatedError('this screen or embed token has been revoked; ask a supervisor for a new one');
  }

  forget(jti: string): void {
    this.entries.delete(jti);
  }

  close(): void {
    this.unsubscribe();
    this.entries.clear();
  }
}

export interface IssueScreenTokenInput extends TokenScope {
  kind: ScreenTokenKind;
  label: string;
}

/** Signs a read-only token that does not expire and records its jti so it can be revoked. */
export async function issueScreenToken(app: ScreenTokenDeps, actor: Actor, input: IssueScreenTokenInput): Promise<{ row: ScreenToken; token: string }> {
  const em = app.orm.em.fork() as Em;
  const department = input.departmentId !== null ? await em.findOne(DepartmentSchema, { id: input.departmentId }) : null;
  const scope = resolveTokenScope(actor, input, department, input.label);
  const typ = input.kind === 'EMBED' ? 'embed' : 'screen';
  const sub =
    scope.departmentId !== null ? scopeKey.department(scope.departmentId) : scope.regionCode !== null ? scopeKey.region(scope.regionCode) : scopeKey.total;
  const claims: Record<string, unknown> = {};
  if (scope.regionCode !== null) claims.regionCode = scope.regionCode;
  if (scope.departmentId !== null) claims.departmentId = scope.departmentId;
  const { token, jti } = await app.tokens.sign(typ, sub, null, claims);
  const now = app.clock.now().getTime();
  const row = await em.transactional(async (t) => {
    const tx = t as Em;
    const row = tx.create(ScreenTokenSchema, {
      jti,
      kind: input.kind,
      label: input.label.trim(),
      regionCode: scope.regionCode,
      departmentId: scope.departmentId,
      issuedBy: actor.label,
      createdAt: now,
      revokedAt: null,
    });
    await tx.flush();
    const detail = `${input.kind} region ${scope.regionCode ?? '-'} department ${scope.departmentId ?? '-'}`;
    await appendAudit(tx, app.dialect, { actor, action: 'screen-token.issue', subject: `screen-token:${jti}`, detail }, now);
    return row;
  });
  return { row, token };
}

/** Revokes a token by its jti; idempotent. Supervisors revoke only tokens inside their region. */
export async function revokeScreenToken(app: ScreenTokenDeps, actor: Actor, jti: string): Promise<ScreenToken> {
  const em = app.orm.em.fork() as Em;
  const row = await em.findOne(ScreenTokenSchema, { jti });
  if (!row) throw NotFoundError.of('screen token', jti);
  if (!mayManageToken(actor, row, await departmentRegion(em, row.departmentId))) throw ForbiddenError.scope(`screen token ${jti}`);
  if (row.revokedAt === null) {
    const now = app.clock.now().getTime();
    await em.transactional(async (t) => {
      const tx = t as Em;
      await tx.nativeUpdate(ScreenTokenSchema, { jti, revokedAt: null }, { revokedAt: now });
      await appendAudit(tx, app.dialect, { actor, action: 'screen-token.revoke', subject: `screen-token:${jti}` }, now);
    });
    row.revokedAt = now;
  }
  app.screenTokens.forget(jti);
  // No live topic listens to this scope: the event only reaches the token caches of every server.
  app.bus.publish({ kind: 'catalog', scopes: [`screen-token:${jti}`], at: app.clock.now().getTime(), detail: { screenTokenRevoked: jti } });
  return row;
}

/** The tokens a caller may manage, newest first. */
export async function listScreenTokens(app: ScreenTokenDeps, actor: Actor, includeRevoked: boolean): Promise<ScreenToken[]> {
  const em = app.orm.em.fork() as Em;
  const rows = await em.find(ScreenTokenSchema, includeRevoked ? {} : { revokedAt: null }, { orderBy: { id: 'desc' }, limit: 500 });
  const deptIds = [...new Set(rows.map((r) => r.departmentId).filter((id): id is number => id !== null))];
  const depts = deptIds.length ? await em.find(DepartmentSchema, { id: { $in: deptIds } }) : [];
  const regionOf = new Map(depts.map((d) => [d.id, d.regionCode]));
  return rows.filter((r) => mayManageToken(actor, r, r.departmentId !== null ? (regionOf.get(r.departmentId) ?? null) : null));
}

async function departmentRegion(em: Em, departmentId: number | null): Promise<string | null> {
  if (departmentId === null) return null;
  return (await em.findOne(DepartmentSchema, { id: departmentId }))?.regionCode ?? null;
}
