import type { Actor } from '../common/actor.js';
import type { Em } from '../db/orm.js';
import { isValidRegionCode, regionAncestors } from '../catalog/region.logic.js';
import type { StatsFilterInput } from '../stats/stats.logic.js';
import { breakdown, breakdownLimit, type StatsDeps } from '../stats/stats.service.js';
import { AssessmentSettingSchema } from './assessment.entities.js';
import { rankByGoodRate, resolveAssessmentRules, type AssessmentRules, type RankedUnit } from './assessment.logic.js';
import type { AssessmentDeps } from './assessment.service.js';

/** What the screen's ranking needs: the breakdown (stats) and the region's assessment settings. */
export interface ScreenRankingDeps extends AssessmentDeps, StatsDeps {}

export interface ScreenRankingRow extends RankedUnit {
  good: number | null;
  goodRate: number | null;
  goodRateLower: number | null;
  suppressed: boolean;
}

export interface ScreenRankingResult {
  scope: string;
  /** The region whose settings (rank.minSample, rank.confidence) apply; null: the defaults. */
  settingsRegion: string | null;
  rules: AssessmentRules;
  /** Departments in the group, every one ranked or listed apart (样本不足, withheld). */
  units: number;
  /** Of them, those with a rank. */
  rankedUnits: number;
  /** Best first, at most `limit` of them. */
  rows: ScreenRankingRow[];
  seq: number;
  asOf: string;
}

/**
 * The region a screen's filter stands in: its region, its department's region, else the caller's region,
 * else the only top-level region (the province or city of an installation), else none (the defaults).
 */
async function settingsRegionOf(em: Em, actor: Actor, filter: StatsFilterInput | null | undefined): Promise<string | null> {
  if (filter?.regionCode && isValidRegionCode(filter.regionCode)) return filter.regionCode;
  if (filter?.departmentId) {
    const rows = await em.execute<Array<{ region_code: string }>>('select region_code from department where id = ?', [filter.departmentId]);
    if (rows[0]) return rows[0].region_code;
  }
  if (actor.regionCode && isValidRegionCode(actor.regionCode)) return actor.regionCode;
  const top = await em.execute<Array<{ code: string }>>('select code from region where parent_code is null limit 2');
  return top.length === 1 ? top[0]!.code : null;
}

/**
 * The big screen's department ranking (数据晾晒, R21/R22): the departments of the screen's breakdown (with
 * the same access rules and public minimum as `breakdown`), ranked by the Wilson lower bound of the good
 * rate at the confidence and minimum sample of the region's assessment settings; ties explained. The
 * whole group is ranked (one grouped statement over every department of the screen's scope), then the
 * best `limit` rows are returned with the group's size, so a unit with few ratings still gets its rank.
 */
export async function screenRanking(
  app: ScreenRankingDeps,
  actor: Actor,
  filter: StatsFilterInput | null | undefined,
  limit: number | null | undefined,
): Promise<ScreenRankingResult> {
  const shown = breakdownLimit('DEPARTMENT', limit);
  const b = await breakdown(app, actor, filter, 'DEPARTMENT', null);
  const em = app.orm.em.fork() as Em;
  const region = await settingsRegionOf(em, actor, filter);
  const chain = region ? regionAncestors(region) : [];
  const overrides = chain.length ? await em.find(AssessmentSettingSchema, { regionCode: { $in: chain } }) : [];
  const { rules } = resolveAssessmentRules(chain, overrides);
  const byKey = new Map(b.rows.map((r) => [r.key, r]));
  const ranked = rankByGoodRate(
    b.rows.map((r) => ({ key: r.key, name: r.name, total: r.total ?? 0, good: r.good ?? 0, suppressed: r.suppressed })),
    rules,
  );
  return {
    scope: b.scope,
    settingsRegion: region,
    rules,
    seq: b.seq,
    asOf: b.asOf,
    units: ranked.length,
    rankedUnits: ranked.filter((u) => u.ranked).length,
    rows: (shown === null ? ranked : ranked.slice(0, shown)).map((u) => {
      const row = byKey.get(u.key)!;
      const quality = u.dimensions.find((d) => d.key === 'quality');
      return { ...u, good: row.good, goodRate: row.goodRate, goodRateLower: row.suppressed ? null : (quality?.lower ?? null), suppressed: row.suppressed };
    }),
  };
}
