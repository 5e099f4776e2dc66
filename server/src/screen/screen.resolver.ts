import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../common/context.js';
import type { ScreenDeps } from './screen.deps.js';
import { ForbiddenError, NotFoundError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { HallSchema, TerminalSchema } from '../catalog/catalog.entities.js';
import { presentationsFor, presentRating, type Presentation } from './presentation.service.js';
import { checkDeviceSubscription } from './screen.logic.js';
import { issueScreenToken, listScreenTokens, revokeScreenToken } from './screen-token.service.js';
import type { ScreenToken } from './screen-token.entity.js';
import { RatingPresentation, ScreenTokenKindEnum, ScreenTokenView, TerminalView } from './screen.types.js';

@Resolver()
export class ScreenTokenResolver {
  @Authorized('supervisor', 'admin')
  @Mutation(() => ScreenTokenView, {
    description: 'Issues a read-only token for a big screen or portal widget, locked to a region or department; it does not expire',
  })
  async issueScreenToken(
    @Arg('regionCode', () => String, { nullable: true }) regionCode: string | null,
    @Arg('departmentId', () => Int, { nullable: true }) departmentId: number | null,
    @Arg('kind', () => ScreenTokenKindEnum) kind: ScreenTokenKindEnum,
    @Arg('label', () => String, { description: 'Where it is used, e.g. 东城区政务服务中心大厅大屏' }) label: string,
    @Ctx() { app, actor }: Context<ScreenDeps>,
  ): Promise<ScreenTokenView> {
    const { row, token } = await issueScreenToken(app, actor, { regionCode: regionCode ?? null, departmentId: departmentId ?? null, kind, label });
    const path = `${kind === ScreenTokenKindEnum.EMBED ? '/widget' : '/screen'}?token=${encodeURIComponent(token)}`;
    return { ...toView(row), token, path };
  }

  @Authorized('supervisor', 'admin')
  @Mutation(() => ScreenTokenView, { description: 'Revokes a screen or embed token; screens using it stop at their next connection' })
  async revokeScreenToken(@Arg('jti', () => String) jti: string, @Ctx() { app, actor }: Context<ScreenDeps>): Promise<ScreenTokenView> {
    return toView(await revokeScreenToken(app, actor, jti));
  }

  @Authorized('supervisor', 'admin')
  @Query(() => [ScreenTokenView], { description: 'Screen and embed tokens the caller may manage, newest first' })
  async screenTokens(
    @Arg('includeRevoked', () => Boolean, { defaultValue: false }) includeRevoked: boolean,
    @Ctx() { app, actor }: Context<ScreenDeps>,
  ): Promise<ScreenTokenView[]> {
    return (await listScreenTokens(app, actor, includeRevoked)).map(toView);
  }
}

@Resolver()
export class DeviceResolver {
  @Authorized('system', 'admin')
  @Mutation(() => RatingPresentation, { description: 'Shows a service on the evaluator of its window or terminal at once, ready to rate (R7)' })
  async presentRating(
    @Arg('projectNo', () => String) projectNo: string,
    @Arg('serviceNumber', () => Int) serviceNumber: number,
    @Ctx() { app, actor }: Context<ScreenDeps>,
  ): Promise<RatingPresentation> {
    return toPresentationView(await presentRating(app, actor, projectNo, serviceNumber));
  }

  @Authorized('device')
  @Subscription(() => RatingPresentation, {
    description: 'For a window evaluator or terminal (its own device key only): each service presented to it, and the live one on (re)connecting',
    subscribe: ({ args, context }) => {
      const { app, actor } = context as Context<ScreenDeps>;
      const device = checkDeviceSubscription(
        actor,
        (args.windowId as number | null | undefined) ?? null,
        (args.terminalId as number | null | undefined) ?? null,
      );
      return presentationsFor(app, device);
    },
  })
  ratingPresented(
    @Root() presentation: Presentation,
    @Arg('windowId', () => Int, { nullable: true }) _windowId: number | null,
    @Arg('terminalId', () => Int, { nullable: true }) _terminalId: number | null,
  ): RatingPresentation {
    return toPresentationView(presentation);
  }

  @Authorized('device', 'department', 'supervisor', 'admin')
  @Query(() => TerminalView, { description: 'A self-service terminal, for its idle screen (R7)' })
  async terminal(@Arg('id', () => Int) id: number, @Ctx() { app, actor }: Context<ScreenDeps>): Promise<TerminalView> {
    if (actor.role === 'device' && actor.terminalId !== id) throw ForbiddenError.scope(`terminal ${id}`);
    const em = app.orm.em.fork() as Em;
    const terminal = await em.findOne(TerminalSchema, { id });
    if (!terminal) throw NotFoundError.of('terminal', String(id));
    const hall = await em.findOneOrFail(HallSchema, { id: terminal.hallId });
    return { id, no: terminal.no, name: terminal.name, hallName: hall.name };
  }
}

function toView(row: ScreenToken): ScreenTokenView {
  return {
    jti: row.jti,
    kind: row.kind as ScreenTokenKindEnum,
    label: row.label,
    regionCode: row.regionCode,
    departmentId: row.departmentId,
    issuedBy: row.issuedBy,
    createdAt: new Date(row.createdAt),
    revokedAt: row.revokedAt === null ? null : new Date(row.revokedAt),
    token: null,
    path: null,
  };
}

function toPresentationView(p: Presentation): RatingPresentation {
  return {
    id: p.id,
    projectNo: p.projectNo,
    serviceNumber: p.serviceNumber,
    nodeName: p.nodeName,
    itemName: p.itemName,
    departmentName: p.departmentName,
    staffWorkNo: p.staffWorkNo,
    staffName: p.staffName,
    windowId: p.windowId,
    windowNo: p.windowNo,
    terminalId: p.terminalId,
    terminalNo: p.terminalNo,
    presentedAt: new Date(p.presentedAt),
    expiresAt: new Date(p.expiresAt),
  };
}

/** The screens feature's resolvers, for the schema's resolver list. */
export const screenResolvers = [ScreenTokenResolver, DeviceResolver] as const;
