import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import { DIMENSION_NAMES, SCREEN_TIE_BREAK_ORDER, TIE_BREAK_ORDER, type RankedUnit } from './assessment.logic.js';
import { StatsFilter } from '../stats/stats.types.js';
import { screenRanking, type ScreenRankingDeps } from './screen-ranking.service.js';
import {
  assessmentSettings,
  rankings,
  reviewSupervisionEntry,
  setAssessmentSetting,
  supervisionList,
  type AssessmentDeps,
  type RankingResult,
  type SupervisionView,
} from './assessment.service.js';
import {
  AssessmentFilter,
  AssessmentScore,
  AssessmentSettingView,
  PeerGroupInput,
  Ranking,
  ScreenRanking,
  SupervisionDecisionEnum,
  SupervisionEntryView,
} from './assessment.types.js';

// Who may read which group or entry is decided in assessment.service (department officers: published
// unit rankings and their own staff; supervisors: their region; admins: everything).

function scoreView(u: RankedUnit, r: RankingResult): AssessmentScore {
  return {
    unitKey: u.key,
    name: u.name,
    total: u.total,
    score: u.score,
    fairScore: u.fairScore,
    rank: u.rank,
    ranked: u.ranked,
    note: u.note,
    overdue: u.counts.overdue,
    dimensions: u.dimensions.map((d) => ({ ...d, name: DIMENSION_NAMES[d.key], weight: r.rules.weights[d.key] })),
  };
}

function rankingView(r: RankingResult): Ranking {
  return {
    groupKey: r.groupKey,
    groupLabel: r.groupLabel,
    period: r.period,
    frozenAt: r.frozenAt === null ? null : new Date(r.frozenAt),
    minSample: r.rules.minSample,
    confidence: r.rules.confidence,
    tieBreakOrder: TIE_BREAK_ORDER,
    rows: r.rows.map((u) => scoreView(u, r)),
  };
}

function entryView(e: SupervisionView): SupervisionEntryView {
  return {
    id: e.id,
    regionCode: e.regionCode,
    period: e.period,
    groupKey: e.groupKey,
    groupLabel: e.groupLabel,
    unitKey: e.unitKey,
    unitName: e.unitName,
    reasons: e.reasonList,
    decision: e.decision as SupervisionDecisionEnum | null,
    note: e.note,
    decidedBy: e.decidedBy,
    decidedAt: e.decidedAt === null ? null : new Date(Number(e.decidedAt)),
  };
}

@Resolver()
export class AssessmentResolver {
  @Authorized('department', 'supervisor', 'admin')
  @Query(() => [AssessmentScore], {
    description: 'Composite scores on the four dimensions of R22 for a peer group (or one unit of it) in a month YYYY-MM or quarter YYYY-Qn',
  })
  async assessmentScores(
    @Arg('filter', () => AssessmentFilter) filter: AssessmentFilter,
    @Arg('period', () => String) period: string,
    @Ctx() { app, actor }: Context<AssessmentDeps>,
  ): Promise<AssessmentScore[]> {
    const r = await rankings(app, actor, filter.group, period, filter.unitKey);
    return r.rows.map((u) => scoreView(u, r));
  }

  @Authorized('department', 'supervisor', 'admin')
  @Query(() => Ranking, { description: 'A peer group ranked fairly (R22): Wilson lower bounds, a minimum sample, ties explained' })
  async rankings(
    @Arg('group', () => PeerGroupInput) group: PeerGroupInput,
    @Arg('period', () => String) period: string,
    @Ctx() { app, actor }: Context<AssessmentDeps>,
  ): Promise<Ranking> {
    return rankingView(await rankings(app, actor, group, period));
  }

  @Authorized('public')
  @Query(() => ScreenRanking, {
    description:
      'The big screen’s department ranking (R21/R22): by the Wilson lower bound of the good rate at the region’s rank.confidence, rank.minSample before a department is ranked, ties explained; same access rules as breakdown',
  })
  async screenRanking(
    @Arg('filter', () => StatsFilter, { nullable: true }) filter: StatsFilter | null,
    @Arg('limit', () => Int, { nullable: true, description: 'At most this many rows, best first (default: all, 1–1000); the whole group is ranked either way' })
    limit: number | null,
    @Ctx() { app, actor }: Context<ScreenRankingDeps>,
  ): Promise<ScreenRanking> {
    const r = await screenRanking(app, actor, filter, limit);
    return {
      scope: r.scope,
      settingsRegion: r.settingsRegion,
      minSample: r.rules.minSample,
      confidence: r.rules.confidence,
      tieBreakOrder: SCREEN_TIE_BREAK_ORDER,
      seq: r.seq,
      asOf: r.asOf,
      units: r.units,
      rankedUnits: r.rankedUnits,
      rows: r.rows.map((u) => ({
        key: u.key,
        name: u.name,
        total: u.suppressed ? null : u.total,
        good: u.good,
        goodRate: u.goodRate,
        goodRateLower: u.goodRateLower,
        rank: u.rank,
        ranked: u.ranked,
        suppressed: u.suppressed,
        note: u.note,
      })),
    };
  }

  @Authorized('department', 'supervisor', 'admin')
  @Query(() => [SupervisionEntryView], { description: 'R23: the key-supervision list of a region for a period, each entry with its reasons' })
  async supervisionList(
    @Arg('region', () => String) region: string,
    @Arg('period', () => String) period: string,
    @Ctx() { app, actor }: Context<AssessmentDeps>,
  ): Promise<SupervisionEntryView[]> {
    return (await supervisionList(app, actor, region, period)).map(entryView);
  }

  @Authorized('supervisor', 'admin')
  @Mutation(() => SupervisionEntryView, { description: 'R23: confirm or dismiss a key-supervision entry with a note (audited)' })
  async reviewSupervisionEntry(
    @Arg('id', () => Int) id: number,
    @Arg('decision', () => SupervisionDecisionEnum) decision: SupervisionDecisionEnum,
    @Arg('note', () => String) note: string,
    @Ctx() { app, actor }: Context<AssessmentDeps>,
  ): Promise<SupervisionEntryView> {
    return entryView(await reviewSupervisionEntry(app, actor, id, decision, note));
  }

  @Authorized('department', 'supervisor', 'admin')
  @Query(() => [AssessmentSettingView], { description: 'Assessment weights and thresholds in force for a region, with their defaults (docs/assessment.md)' })
  assessmentSettings(@Arg('regionCode', () => String) regionCode: string, @Ctx() { app }: Context<AssessmentDeps>): Promise<AssessmentSettingView[]> {
    return assessmentSettings(app, regionCode);
  }

  @Authorized('supervisor', 'admin')
  @Mutation(() => Boolean, { description: 'Sets (value null: removes) a region’s assessment setting; closed periods keep the rules they were frozen with' })
  async setAssessmentSetting(
    @Arg('regionCode', () => String) regionCode: string,
    @Arg('key', () => String) key: string,
    @Arg('value', () => String, { nullable: true }) value: string | null,
    @Ctx() { app, actor }: Context<AssessmentDeps>,
  ): Promise<boolean> {
    await setAssessmentSetting(app, actor, regionCode, key, value);
    return true;
  }
}

export const assessmentResolvers = [AssessmentResolver] as const;
