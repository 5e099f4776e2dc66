import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import type { Em } from '../db/orm.js';
import { DepartmentSchema } from '../catalog/catalog.entities.js';
import { SIGNAL_KIND_NAMES, type SignalKind } from './fraud.logic.js';
import { detectFraudSignals, listSignals, reviewFraudSignal, type IntegrityDeps } from './fraud.service.js';
import type { FraudSignal } from './integrity.entities.js';
import { commentThemes, confirmTheme, publicThemes } from './themes.service.js';
import {
  CommentThemeFilter,
  CommentThemeView,
  ConfirmedThemeView,
  FraudDetectionReport,
  FraudSignalFilter,
  FraudSignalPage,
  FraudSignalView,
  PublicThemeView,
  ReviewDecisionEnum,
  SignalKindEnum,
  SignalStateEnum,
} from './integrity.types.js';

@Resolver()
export class IntegrityResolver {
  @Authorized('department', 'supervisor', 'admin', 'auditor')
  @Query(() => FraudSignalPage, {
    description: "R18 fraud signals in the caller's scope: supervisors their region, officers their department's, admins all; newest first",
  })
  async fraudSignals(
    @Arg('filter', () => FraudSignalFilter, { nullable: true }) filter: FraudSignalFilter | undefined,
    @Ctx() { app, actor }: Context<IntegrityDeps>,
  ): Promise<FraudSignalPage> {
    const page = await listSignals(app, actor, filter ?? {});
    return { total: page.total, items: await toViews(app, page.items) };
  }

  @Authorized('supervisor', 'admin')
  @Mutation(() => FraudDetectionReport, {
    description: 'R18: runs every fraud detector over a period (YYYY-MM or YYYY-MM-DD) in the caller’s region; idempotent (a signal is stored once)',
  })
  async detectFraudSignals(
    @Arg('period', () => String) period: string,
    @Arg('regionCode', () => String, { nullable: true }) regionCode: string | undefined,
    @Ctx() { app, actor }: Context<IntegrityDeps>,
  ): Promise<FraudDetectionReport> {
    return detectFraudSignals(app, actor, period, regionCode ?? null);
  }

  @Authorized('supervisor', 'admin')
  @Mutation(() => FraudSignalView, {
    description: 'R18: decides a fraud signal. UPHOLD invalidates its ratings (good ones included; they leave every statistic), DISMISS keeps them. Audited',
  })
  async reviewFraudSignal(
    @Arg('id', () => Int) id: number,
    @Arg('decision', () => ReviewDecisionEnum) decision: ReviewDecisionEnum,
    @Arg('note', () => String) note: string,
    @Ctx() { app, actor }: Context<IntegrityDeps>,
  ): Promise<FraudSignalView> {
    const signal = await reviewFraudSignal(app, actor, id, decision, note);
    return (await toViews(app, [signal]))[0]!;
  }

  @Authorized('department', 'supervisor', 'admin')
  @Query(() => [CommentThemeView], {
    description: "社情民意: themes of the comments of a month in the caller's scope, per department and item and over six months; rising ones flagged",
  })
  async commentThemes(
    @Arg('filter', () => CommentThemeFilter, { nullable: true }) filter: CommentThemeFilter | undefined,
    @Ctx() { app, actor }: Context<IntegrityDeps>,
  ): Promise<CommentThemeView[]> {
    return commentThemes(app, actor, filter ?? {});
  }

  @Authorized('supervisor', 'admin')
  @Mutation(() => ConfirmedThemeView, { description: 'Confirms a comment theme for a region: from then on it is shown publicly as a hot tag. Audited' })
  async confirmTheme(
    @Arg('term', () => String) term: string,
    @Arg('note', () => String, { nullable: true }) note: string | undefined,
    @Arg('regionCode', () => String, { nullable: true }) regionCode: string | undefined,
    @Ctx() { app, actor }: Context<IntegrityDeps>,
  ): Promise<ConfirmedThemeView> {
    const theme = await confirmTheme(app, actor, term, note ?? null, regionCode ?? null);
    return { ...theme, confirmedAt: new Date(theme.confirmedAt) };
  }

  @Authorized('public')
  @Query(() => [PublicThemeView], { description: 'Public hot themes of a region this month (or the month given): only those a supervisor confirmed' })
  async publicThemes(
    @Arg('regionCode', () => String) regionCode: string,
    @Arg('month', () => String, { nullable: true }) month: string | undefined,
    @Ctx() { app }: Context<IntegrityDeps>,
  ): Promise<PublicThemeView[]> {
    return publicThemes(app, regionCode, month ?? null);
  }
}

async function toViews(app: IntegrityDeps, signals: FraudSignal[]): Promise<FraudSignalView[]> {
  const deptIds = [...new Set(signals.map((s) => s.departmentId).filter((id): id is number => id != null))];
  const depts = deptIds.length ? await (app.orm.em.fork() as Em).find(DepartmentSchema, { id: { $in: deptIds } }) : [];
  const names = new Map(depts.map((d) => [d.id, d.name]));
  return signals.map((s) => ({
    id: s.id,
    kind: s.kind as SignalKindEnum,
    kindName: SIGNAL_KIND_NAMES[s.kind as SignalKind] ?? s.kind,
    explanation: s.explanation,
    detail: s.detail,
    regionCode: s.regionCode,
    departmentId: s.departmentId,
    departmentName: s.departmentId != null ? (names.get(s.departmentId) ?? null) : null,
    ratingIds: s.ratingIds ? s.ratingIds.split(',').map(Number) : [],
    ratingCount: s.ratingCount,
    firstAt: s.firstAt ? new Date(s.firstAt) : null,
    lastAt: s.lastAt ? new Date(s.lastAt) : null,
    state: s.state as SignalStateEnum,
    reviewedBy: s.reviewedBy,
    reviewedAt: s.reviewedAt != null ? new Date(s.reviewedAt) : null,
    reviewNote: s.reviewNote,
    invalidatedCount: s.invalidatedCount,
    createdAt: new Date(s.createdAt),
  }));
}

export const integrityResolvers = [IntegrityResolver] as const;
