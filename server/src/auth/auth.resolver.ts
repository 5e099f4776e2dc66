import { Arg, Authorized, Ctx, Field, GraphQLISODateTime, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import { InvalidInputError } from '../common/errors.js';
import { shanghaiIso } from '../common/calendar.js';
import { AuditEntrySchema } from './auth.entities.js';
import type { Em } from '../db/orm.js';
import { createApiKey, login, logout, type AuthDeps } from './auth.service.js';
import { appendAudit } from './audit.service.js';
import { PEOPLE } from './accounts.resolver.js';

@ObjectType()
export class SessionView {
  @Field(() => String, { description: 'Bearer token for the Authorization header' }) token!: string;
  @Field(() => GraphQLISODateTime) expiresAt!: Date;
  @Field(() => String) role!: string;
  @Field(() => String) displayName!: string;
  @Field(() => Boolean, { description: 'this session may only change the password (changePassword), then sign in again' })
  mustChangePassword!: boolean;
  @Field(() => Boolean, { description: 'this session may only enrol the second factor (setupTotp, enableTotp), then sign in again' })
  mustEnrollTotp!: boolean;
}

@ObjectType({ description: 'Who the server thinks is calling' })
export class ViewerView {
  @Field(() => String) role!: string;
  @Field(() => Int, { nullable: true }) departmentId?: number | null;
  @Field(() => String, { nullable: true }) regionCode?: string | null;
}

@ObjectType({ description: 'One record of the audit trail (安全审计)' })
export class AuditRecordView {
  @Field(() => Int) id!: number;
  @Field(() => String, { description: 'ISO 8601, Asia/Shanghai (+08:00)' }) at!: string;
  @Field(() => String) actor!: string;
  @Field(() => String) role!: string;
  @Field(() => String, { nullable: true }) ip?: string | null;
  @Field(() => String) action!: string;
  @Field(() => String) subject!: string;
  @Field(() => String, { description: 'ok, refused or failed' }) outcome!: string;
  @Field(() => String, { nullable: true }) detail?: string | null;
  @Field(() => String, { nullable: true }) requestId?: string | null;
  @Field(() => String, { description: 'SHA-256 link of the chain' }) hash!: string;
}

@Resolver()
export class AuthResolver {
  @Authorized('auditor')
  @Query(() => [AuditRecordView], { description: 'The audit trail, newest first; only the auditor reads it' })
  async auditLog(
    @Arg('action', () => String, { nullable: true, description: 'e.g. sign-in.failure, rater-contact.view' }) action: string | null,
    @Arg('beforeId', () => Int, { nullable: true, description: 'page on: records older than this id' }) beforeId: number | null,
    @Arg('first', () => Int, { nullable: true, description: '1–500, default 100' }) first: number | null,
    @Ctx() { app }: Context<AuthDeps>,
  ): Promise<AuditRecordView[]> {
    const limit = first ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw InvalidInputError.field('first', 'an integer 1–500', limit);
    const rows = await (app.orm.em.fork() as Em).find(
      AuditEntrySchema,
      { ...(action ? { action } : {}), ...(beforeId ? { id: { $lt: beforeId } } : {}) },
      { orderBy: { id: 'desc' }, limit },
    );
    return rows.map((r) => ({ ...r, at: shanghaiIso(r.at) }));
  }

  @Authorized('public')
  @Mutation(() => SessionView, { description: 'Signs in an officer, supervisor or admin' })
  async login(
    @Arg('username', () => String) username: string,
    @Arg('password', () => String) password: string,
    @Arg('totp', () => String, { nullable: true, description: 'current 6-digit code, for accounts with a second factor' }) totp: string | null,
    @Ctx() { app, clientIp }: Context<AuthDeps>,
  ): Promise<SessionView> {
    return login(app, username, password, clientIp, totp);
  }

  @Authorized(...PEOPLE)
  @Mutation(() => Boolean, { description: 'Signs out: the session ends at once on every server, and its WebSocket connections are closed' })
  async logout(@Ctx() { app, actor }: Context<AuthDeps>): Promise<boolean> {
    return logout(app, actor);
  }

  @Authorized('public')
  @Query(() => ViewerView)
  me(@Ctx() { actor }: Context): ViewerView {
    return { role: actor.role, departmentId: actor.departmentId ?? null, regionCode: actor.regionCode ?? null };
  }

  @Authorized('security')
  @Mutation(() => String, { description: 'Creates a system or device API key; the secret is shown only this once' })
  async createApiKey(
    @Arg('role', () => String) role: string,
    @Arg('name', () => String) name: string,
    @Arg('departmentId', () => Int, { nullable: true }) departmentId: number | null,
    @Arg('windowId', () => Int, { nullable: true }) windowId: number | null,
    @Arg('terminalId', () => Int, { nullable: true }) terminalId: number | null,
    @Ctx() { app, actor }: Context<AuthDeps>,
  ): Promise<string> {
    if (role !== 'system' && role !== 'device') throw InvalidInputError.field('role', 'system or device', role);
    if (role === 'system' && !departmentId) throw InvalidInputError.field('departmentId', 'given for a system key', departmentId);
    if (role === 'device' && !windowId === !terminalId)
      throw InvalidInputError.field('windowId/terminalId', 'exactly one for a device key', { windowId, terminalId });
    const now = app.clock.now().getTime();
    return (app.orm.em.fork() as Em).transactional(async (tx) => {
      const secret = await createApiKey(tx as Em, { role, name, departmentId, windowId, terminalId }, now, app.cipher);
      await appendAudit(
        tx as Em,
        app.dialect,
        { actor, action: 'api-key.create', subject: `apikey:${name}`.slice(0, 100), detail: `${role} ${departmentId ?? windowId ?? terminalId}` },
        now,
      );
      return secret;
    });
  }
}
