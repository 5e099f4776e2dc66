import { Arg, Authorized, Ctx, Field, GraphQLISODateTime, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import { InvalidInputError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { createApiKey, login, logout, type AuthDeps } from './auth.service.js';

@ObjectType()
export class SessionView {
  @Field(() => String, { description: 'Bearer token for the Authorization header' }) token!: string;
  @Field(() => GraphQLISODateTime) expiresAt!: Date;
  @Field(() => String) role!: string;
  @Field(() => String) displayName!: string;
}

@ObjectType({ description: 'Who the server thinks is calling' })
export class ViewerView {
  @Field(() => String) role!: string;
  @Field(() => Int, { nullable: true }) departmentId?: number | null;
  @Field(() => String, { nullable: true }) regionCode?: string | null;
}

@Resolver()
export class AuthResolver {
  @Authorized('public')
  @Mutation(() => SessionView, { description: 'Signs in an officer, supervisor or admin' })
  async login(
    @Arg('username', () => String) username: string,
    @Arg('password', () => String) password: string,
    @Ctx() { app, clientIp }: Context<AuthDeps>,
  ): Promise<SessionView> {
    return login(app, username, password, clientIp);
  }

  @Authorized('department', 'supervisor', 'hotline', 'admin')
  @Mutation(() => Boolean, { description: 'Signs out: the session ends at once on every server, and its WebSocket connections are closed' })
  async logout(@Ctx() { app, actor }: Context<AuthDeps>): Promise<boolean> {
    return logout(app, actor);
  }

  @Authorized('public')
  @Query(() => ViewerView)
  me(@Ctx() { actor }: Context): ViewerView {
    return { role: actor.role, departmentId: actor.departmentId ?? null, regionCode: actor.regionCode ?? null };
  }

  @Authorized('admin')
  @Mutation(() => String, { description: 'Creates a system or device API key; the secret is shown only this once' })
  async createApiKey(
    @Arg('role', () => String) role: string,
    @Arg('name', () => String) name: string,
    @Arg('departmentId', () => Int, { nullable: true }) departmentId: number | null,
    @Arg('windowId', () => Int, { nullable: true }) windowId: number | null,
    @Arg('terminalId', () => Int, { nullable: true }) terminalId: number | null,
    @Ctx() { app }: Context<AuthDeps>,
  ): Promise<string> {
    if (role !== 'system' && role !== 'device') throw InvalidInputError.field('role', 'system or device', role);
    if (role === 'system' && !departmentId) throw InvalidInputError.field('departmentId', 'given for a system key', departmentId);
    if (role === 'device' && !windowId === !terminalId)
      throw InvalidInputError.field('windowId/terminalId', 'exactly one for a device key', { windowId, terminalId });
    return createApiKey(app.orm.em.fork() as Em, { role, name, departmentId, windowId, terminalId }, app.clock.now().getTime());
  }
}
