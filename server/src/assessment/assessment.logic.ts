import { dayStartMs } from '../common/calendar.js';
import { InvalidInputError } from '../common/errors.js';

/**
 * Assessment (R22) and key supervision (R23), pure: periods, settings, the four dimensions, the
 * composite score, the Wilson lower bound, fair ranking within a peer group, and the selection of
 * the key-supervision list. docs/assessment.md explains every default and definition.
 */

// ---------------------------------------------------------------------------------------------
// Periods: a month (YYYY-MM) or a quarter (YYYY-Qn) on the Asia/Shanghai calendar
// ---------------------------------------------------------------------------------------------

export interface Period {
  key: string;
  kind: 'MONTH' | 'QUARTER';
  /** Rollup month keys (202611) the period covers. */
  months: number[];
  /** First instant of the period and first instant after it (Asia/Shanghai midnight). */
  startMs: number;
  endMs: number;
}

export function parsePeriod(text: string): Period {
  const key = text.trim().toUpperCase();
  const month = /^(\d{4})-(\d{2})$/.exec(key);
  const quarter = /^(\d{4})-Q([1-4])$/.exec(key);
  if (month) {
    const y = Number(month[1]);
    const m = Number(month[2]);
    if (y < 2000 || y > 2100 || m < 1 || m > 12) throw InvalidInputError.field('period', 'a month YYYY-MM or a quarter YYYY-Qn', text);
    return build(key, 'MONTH', y, m, 1);
  }
  if (quarter) {
    const y = Number(quarter[1]);
    if (y < 2000 || y > 2100) throw InvalidInputError.field('period', 'a month YYYY-MM or a quarter YYYY-Qn', text);
    return build(key, 'QUARTER', y, (Number(quarter[2]) - 1) * 3 + 1, 3);
  }
  throw InvalidInputError.field('period', 'a month YYYY-MM or a quarter YYYY-Qn', text);
}

function build(key: string, kind: Period['kind'], year: number, firstMonth: number, count: number): Period {
  const months: number[] = [];
  for (let i = 0; i < count; i++) months.push(year * 100 + firstMonth + i);
  const after = firstMonth + count > 12 ? (year + 1) * 100 + 1 : year * 100 + firstMonth + count;
  return { key, kind, months, startMs: dayStartMs(months[0]! * 100 + 1), endMs: dayStartMs(after * 100 + 1) };
}

/** The period of the same kind just before (2026-01 → 2025-12, 2026-Q1 → 2025-Q4). */
export function previousPeriod(p: Period): Period {
  const first = p.months[0]!;
  const y = Math.floor(first / 100);
  const m = first % 100;
  if (p.kind === 'MONTH') {
    const prev = m === 1 ? (y - 1) * 100 + 12 : first - 1;
    return parsePeriod(`${Math.floor(prev / 100)}-${String(prev % 100).padStart(2, '0')}`);
  }
  const q = (m - 1) / 3 + 1;
  return parsePeriod(q === 1 ? `${y - 1}-Q4` : `${y}-Q${q - 1}`);
}

// ---------------------------------------------------------------------------------------------
// Settings per region (table assessment_setting; the most specific region on the chain wins)
// ---------------------------------------------------------------------------------------------

export const ASSESSMENT_DEFAULTS = {
  /** Weight of service quality (the levels). */
  'weight.quality': '40',
  /** Weight of the active rating rate (主动评价率). */
  'weight.active': '20',
  /** Weight of the on-time rectification rate. */
  'weight.rectification': '20',
  /** Weight of the callback satisfaction rate. */
  'weight.callback': '20',
  /** Points of the levels 5,4,3,2,1 for service quality (0–100); the default equals the good rate (R2). */
  'quality.levelPoints': '100,100,100,0,0',
  /** Confidence of the Wilson lower bound used for ranking: 80, 90, 95 or 99 (%). */
  'rank.confidence': '95',
  /** Ratings in the period a unit needs before it is ranked. */
  'rank.minSample': '30',
  /** R23: how many units at the bottom of a ranked group count as "the bottom". */
  'supervision.bottomCount': '1',
  /** R23: consecutive periods at the bottom that put a unit on the list. */
  'supervision.consecutivePeriods': '2',
  /** R23: rectifications overdue at the period's end that put a unit on the list. */
  'supervision.overdueMin': '1',
} as const;

export type AssessmentSettingKey = keyof typeof ASSESSMENT_DEFAULTS;
export const ASSESSMENT_SETTING_KEYS = Object.keys(ASSESSMENT_DEFAULTS) as AssessmentSettingKey[];

export const Z_OF_CONFIDENCE: Record<string, number> = { '80': 1.2816, '90': 1.6449, '95': 1.96, '99': 2.5758 };

export interface Weights {
  quality: number;
  active: number;
  rectification: number;
  callback: number;
}

export interface AssessmentRules {
  weights: Weights;
  /** Points of levels 1..5 at index 0..4, as fractions 0–1. */
  levelPoints: number[];
  confidence: number;
  z: number;
  minSample: number;
  bottomCount: number;
  consecutivePeriods: number;
  overdueMin: number;
}

/** Throws BAD_USER_INPUT when a value is not acceptable for its key. */
export function validateAssessmentSetting(key: string, value: string): void {
  const bad = (expected: string) => InvalidInputError.field('value', `${expected} for ${key}`, value);
  if (!(ASSESSMENT_SETTING_KEYS as string[]).includes(key)) throw InvalidInputError.field('key', `one of ${ASSESSMENT_SETTING_KEYS.join(', ')}`, key);
  const int = (min: number, max: number) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw bad(`an integer ${min}–${max}`);
  };
  if (key.startsWith('weight.')) return int(0, 100);
  if (key === 'quality.levelPoints') {
    const parts = value.split(',');
    if (parts.length !== 5 || parts.some((p) => !/^\d+$/.test(p.trim()) || Number(p) > 100)) throw bad('five integers 0–100 for the levels 5,4,3,2,1');
    return;
  }
  if (key === 'rank.confidence') {
    if (!(value in Z_OF_CONFIDENCE)) throw bad('80, 90, 95 or 99');
    return;
  }
  if (key === 'rank.minSample') return int(1, 100_000);
  if (key === 'supervision.bottomCount') return int(1, 100);
  if (key === 'supervision.consecutivePeriods') return int(1, 12);
  if (key === 'supervision.overdueMin') return int(1, 1000);
}

/** The rules from the overrides of a region's chain (province first); later rows win. */
export function resolveAssessmentRules(
  chain: string[],
  overrides: Array<{ regionCode: string; key: string; value: string }>,
): { rules: AssessmentRules; values: Record<AssessmentSettingKey, { value: string; regionCode: string | null }> } {
  const values = Object.fromEntries(ASSESSMENT_SETTING_KEYS.map((k) => [k, { value: ASSESSMENT_DEFAULTS[k] as string, regionCode: null }])) as Record<
    AssessmentSettingKey,
    { value: string; regionCode: string | null }
  >;
  const sorted = overrides.filter((o) => chain.includes(o.regionCode)).sort((a, b) => chain.indexOf(a.regionCode) - chain.indexOf(b.regionCode));
  for (const o of sorted) if (o.key in values) values[o.key as AssessmentSettingKey] = { value: o.value, regionCode: o.regionCode };
  return { rules: rulesOf(Object.fromEntries(ASSESSMENT_SETTING_KEYS.map((k) => [k, values[k].value])) as Record<AssessmentSettingKey, string>), values };
}

export function rulesOf(v: Record<AssessmentSettingKey, string>): AssessmentRules {
  const points = v['quality.levelPoints'].split(',').map((p) => Number(p.trim()) / 100);
  return {
    weights: {
      quality: Number(v['weight.quality']),
      active: Number(v['weight.active']),
      rectification: Number(v['weight.rectification']),
      callback: Number(v['weight.callback']),
    },
    // The setting lists levels 5..1; index i holds level i + 1.
    levelPoints: points.reverse(),
    confidence: Number(v['rank.confidence']),
    z: Z_OF_CONFIDENCE[v['rank.confidence']] ?? 1.96,
    minSample: Number(v['rank.minSample']),
    bottomCount: Number(v['supervision.bottomCount']),
    consecutivePeriods: Number(v['supervision.consecutivePeriods']),
    overdueMin: Number(v['supervision.overdueMin']),
  };
}

export const DEFAULT_RULES: AssessmentRules = rulesOf({ ...ASSESSMENT_DEFAULTS });

// ---------------------------------------------------------------------------------------------
// The four dimensions and the composite score
// ---------------------------------------------------------------------------------------------

/** What one unit did in one period, as known at the period's end. */
export interface UnitCounts {
  /** Valid ratings by level: index 0 = level 1 … index 4 = level 5. */
  levels: number[];
  /** Ratings the rater gave (not defaulted, R11). */
  active: number;
  /** Rectification cases settled in the period (resolved in time, or their deadline passed). */
  rectDue: number;
  rectOnTime: number;
  /** Callbacks in the period with a satisfaction level, and those satisfied (levels 5–3). */
  callbacks: number;
  callbackSatisfied: number;
  /** Rectification cases past their deadline and unresolved at the period's end. */
  overdue: number;
}

export function emptyUnitCounts(): UnitCounts {
  return { levels: [0, 0, 0, 0, 0], active: 0, rectDue: 0, rectOnTime: 0, callbacks: 0, callbackSatisfied: 0, overdue: 0 };
}

export type DimensionKey = keyof Weights;
export const DIMENSIONS: readonly DimensionKey[] = ['quality', 'active', 'rectification', 'callback'];
export const DIMENSION_NAMES: Record<DimensionKey, string> = {
  quality: '服务质量',
  active: '主动评价率',
  rectification: '差评整改按时率',
  callback: '回访满意率',
};

export interface Dimension {
  key: DimensionKey;
  /** The rate 0–1, null without a sample. */
  value: number | null;
  /** Its Wilson lower bound, null without a sample. */
  lower: number | null;
  sample: number;
}

export function totalOf(c: UnitCounts): number {
  return c.levels.reduce((a, b) => a + b, 0);
}

/**
 * The four dimensions (R22): quality = Σ points(level)·n / total (the good rate with the default
 * points); active = active / total; rectification = on time / settled; callback = satisfied / callbacks.
 */
export function dimensionsOf(c: UnitCounts, rules: AssessmentRules): Dimension[] {
  const total = totalOf(c);
  const points = c.levels.reduce((sum, n, i) => sum + n * (rules.levelPoints[i] ?? 0), 0);
  const dim = (key: DimensionKey, numerator: number, n: number): Dimension =>
    n === 0 ? { key, value: null, lower: null, sample: 0 } : { key, value: numerator / n, lower: wilsonLower(numerator, n, rules.z), sample: n };
  return [
    dim('quality', points, total),
    dim('active', c.active, total),
    dim('rectification', c.rectOnTime, c.rectDue),
    dim('callback', c.callbackSatisfied, c.callbacks),
  ];
}

/**
 * Wilson score interval's lower bound of k successes in n trials at normal quantile z (0 when n = 0).
 * k may be fractional (quality with graded points): the bound then treats k / n as the observed share.
 */
export function wilsonLower(k: number, n: number, z: number): number {
  if (n <= 0) return 0;
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - margin) / (1 + z2 / n));
}

/**
 * The composite score 0–100: the weighted mean of the dimensions that have a sample (a unit with no bad
 * review has no rectification to score; its other weights are renormalised). `fair` uses the lower
 * bounds, `raw` the observed rates. Null when no dimension has a sample.
 */
export function compositeOf(dims: Dimension[], weights: Weights): { raw: number | null; fair: number | null } {
  let w = 0;
  let raw = 0;
  let fair = 0;
  for (const d of dims) {
    const weight = weights[d.key];
    if (d.value === null || weight <= 0) continue;
    w += weight;
    raw += weight * d.value;
    fair += weight * (d.lower ?? 0);
  }
  if (w === 0) return { raw: null, fair: null };
  return { raw: (100 * raw) / w, fair: (100 * fair) / w };
}

// ---------------------------------------------------------------------------------------------
// Fair ranking within a peer group
// ---------------------------------------------------------------------------------------------

export interface UnitFacts {
  key: string;
  name: string;
  /** For staff: their department's path (scoping); for departments their own; '' for regions. */
  departmentPath: string;
  counts: UnitCounts;
}

export interface ScoredUnit extends UnitFacts {
  total: number;
  dimensions: Dimension[];
  score: number | null;
  fairScore: number | null;
}

export interface RankedUnit extends ScoredUnit {
  /** 1-based rank; null when not ranked (too small a sample). */
  rank: number | null;
  ranked: boolean;
  /** Why it stands where it stands (ties, unranked), in Chinese; null when nothing to explain. */
  note: string | null;
}

export const TIE_BREAK_ORDER =
  '排序规则：① 综合得分下限（各维度取 Wilson 置信下限后加权）高者在前；② 相同时原始综合得分高者在前；③ 再相同时评价量大者在前；④ 再相同时服务质量下限高者在前；⑤ 仍相同则并列同一名次，按名称排列。样本量不足最低样本数的单位不参与排名，列于最后。';

export function scoreUnit(u: UnitFacts, rules: AssessmentRules): ScoredUnit {
  const dimensions = dimensionsOf(u.counts, rules);
  const { raw, fair } = compositeOf(dimensions, rules.weights);
  return { ...u, total: totalOf(u.counts), dimensions, score: raw, fairScore: fair };
}

const EPS = 1e-9;
const qualityLower = (u: ScoredUnit) => u.dimensions.find((d) => d.key === 'quality')?.lower ?? 0;

type Breaker = { name: string; cmp: (a: ScoredUnit, b: ScoredUnit) => number };
const BREAKERS: Breaker[] = [
  { name: '综合得分下限', cmp: (a, b) => (b.fairScore ?? -1) - (a.fairScore ?? -1) },
  { name: '原始综合得分', cmp: (a, b) => (b.score ?? -1) - (a.score ?? -1) },
  { name: '评价量', cmp: (a, b) => b.total - a.total },
  { name: '服务质量下限', cmp: (a, b) => qualityLower(b) - qualityLower(a) },
];

function decidingBreaker(a: ScoredUnit, b: ScoredUnit): number {
  for (let i = 0; i < BREAKERS.length; i++) {
    const c = BREAKERS[i]!.cmp(a, b);
    if (Math.abs(c) > EPS) return i;
  }
  return -1;
}

const fmt = (x: number | null) => (x === null ? '—' : x.toFixed(2));

/**
 * Ranks a peer group (R22 fair ranking): units with at least `minSample` ratings by the tie-break order
 * above; the rest after them, unranked, by sample size. Every tie that was broken, or not, is explained.
 */
export function rankUnits(units: UnitFacts[], rules: AssessmentRules): RankedUnit[] {
  const scored = units.map((u) => scoreUnit(u, rules));
  const eligible = scored.filter((u) => u.total >= rules.minSample && u.fairScore !== null);
  const rest = scored.filter((u) => !eligible.includes(u));
  const order = (a: ScoredUnit, b: ScoredUnit) => {
    const i = decidingBreaker(a, b);
    return i < 0 ? a.name.localeCompare(b.name, 'zh-CN') || a.key.localeCompare(b.key) : BREAKERS[i]!.cmp(a, b);
  };
  eligible.sort(order);
  const out: RankedUnit[] = [];
  eligible.forEach((u, i) => {
    const prev = i > 0 ? eligible[i - 1]! : null;
    let rank = i + 1;
    let note: string | null = null;
    if (prev) {
      const j = decidingBreaker(prev, u);
      if (j < 0) {
        rank = out[i - 1]!.rank!;
        note = `与「${prev.name}」各项排序依据完全相同，并列第 ${rank} 名`;
      } else if (j > 0) {
        note = `与「${prev.name}」${BREAKERS.slice(0, j)
          .map((b) => b.name)
          .join('、')}相同（${fmt(u.fairScore)}），按${BREAKERS[j]!.name}排在其后`;
      }
    }
    out.push({ ...u, rank, ranked: true, note });
  });
  rest.sort((a, b) => b.total - a.total || a.name.localeCompare(b.name, 'zh-CN') || a.key.localeCompare(b.key));
  for (const u of rest) {
    out.push({
      ...u,
      rank: null,
      ranked: false,
      note: u.total === 0 ? '本期无评价，不参与排名' : `评价量 ${u.total} 少于最低样本数 ${rules.minSample}，不参与排名`,
    });
  }
  return out;
}

/** One unit of a screen's breakdown: its good-rate sample (R2), or withheld (too few ratings for the public). */
export interface RateRow {
  key: string;
  name: string;
  total: number;
  good: number;
  suppressed: boolean;
}

export const SCREEN_TIE_BREAK_ORDER =
  '排序规则：① 好评率置信下限（Wilson）高者在前；② 相同时好评率高者在前；③ 再相同时评价量大者在前；④ 仍相同则并列同一名次，按名称排列。评价量少于最低样本数的单位不参与排名，列于最后（样本不足）。';

/**
 * The big screen's fair ranking (数据晾晒, R21/R22): the same rules as the assessment rankings applied to
 * the good rate alone, at the region's confidence and minimum sample, so three ratings at 100% do not
 * outrank three thousand at 99.8%. Withheld rows and rows under the minimum follow unranked (样本不足).
 */
export function rankByGoodRate(rows: readonly RateRow[], rules: AssessmentRules): RankedUnit[] {
  const goodOnly: AssessmentRules = { ...rules, weights: { quality: 1, active: 0, rectification: 0, callback: 0 }, levelPoints: [0, 0, 1, 0, 0] };
  const units: UnitFacts[] = rows.map((r) => {
    const total = r.suppressed ? 0 : r.total;
    const good = r.suppressed ? 0 : Math.min(r.good, total);
    return { key: r.key, name: r.name, departmentPath: '', counts: { ...emptyUnitCounts(), levels: [total - good, 0, good, 0, 0] } };
  });
  const suppressed = new Set(rows.filter((r) => r.suppressed).map((r) => r.key));
  const words = (note: string | null) => note && note.replaceAll('综合得分下限', '好评率下限').replaceAll('原始综合得分', '好评率');
  const ranked = rankUnits(units, goodOnly).map((u) => ({
    ...u,
    note: u.ranked
      ? words(u.note)
      : suppressed.has(u.key)
        ? '样本不足：评价量过少，不公开'
        : u.total === 0
          ? '暂无评价，不参与排名'
          : `样本不足：评价量 ${u.total} 少于最低样本数 ${rules.minSample}，不参与排名`,
  }));
  // Withheld rows last.
  return [...ranked.filter((u) => !suppressed.has(u.key)), ...ranked.filter((u) => suppressed.has(u.key))];
}

// ---------------------------------------------------------------------------------------------
// Key supervision (R23)
// ---------------------------------------------------------------------------------------------

/** The keys at the bottom of a ranked group: the last `bottomCount` ranked units (ties at the cut included). */
export function bottomOf(ranked: RankedUnit[], bottomCount: number): Set<string> {
  const list = ranked.filter((u) => u.ranked);
  // A group of one cannot have a bottom; neither can a group no larger than the cut.
  if (list.length <= bottomCount) return new Set();
  const cutRank = list[list.length - bottomCount]!.rank!;
  return new Set(list.filter((u) => u.rank! >= cutRank).map((u) => u.key));
}

export interface SupervisionCandidate {
  key: string;
  name: string;
  departmentPath: string;
  reasons: string[];
  /** The periods in a row at the bottom, newest first (0 when not at the bottom now). */
  bottomStreak: number;
  overdue: number;
}

/**
 * Who goes on the key-supervision list for the newest period: units at the bottom of their group in each
 * of the last `consecutivePeriods` periods, or with at least `overdueMin` rectifications overdue at the
 * period's end, or with other reasons found elsewhere (`otherReasons` by unit key: upheld fraud signals,
 * R18). `periods` is newest first: the ranking of each period and its label.
 */
export function selectSupervision(
  periods: Array<{ label: string; ranked: RankedUnit[] }>,
  rules: AssessmentRules,
  groupLabel: string,
  otherReasons: ReadonlyMap<string, readonly string[]> = new Map(),
): SupervisionCandidate[] {
  const current = periods[0];
  if (!current) return [];
  const bottoms = periods.map((p) => bottomOf(p.ranked, rules.bottomCount));
  const out: SupervisionCandidate[] = [];
  for (const u of current.ranked) {
    let streak = 0;
    while (streak < periods.length && bottoms[streak]!.has(u.key)) streak++;
    const reasons: string[] = [];
    if (streak >= rules.consecutivePeriods) {
      const labels = periods
        .slice(0, streak)
        .map((p) => p.label)
        .reverse();
      reasons.push(`连续 ${streak} 期（${labels.join('、')}）位列${groupLabel}末位（本期第 ${u.rank} 名，综合得分下限 ${fmt(u.fairScore)}）`);
    }
    if (u.counts.overdue >= rules.overdueMin) reasons.push(`期末有 ${u.counts.overdue} 件差评整改超期未完成`);
    reasons.push(...(otherReasons.get(u.key) ?? []));
    if (reasons.length) out.push({ key: u.key, name: u.name, departmentPath: u.departmentPath, reasons, bottomStreak: streak, overdue: u.counts.overdue });
  }
  return out;
}

/** An upheld fraud signal (R18) as the key-supervision list reads it (docs/assessment.md). */
export interface UpheldSignal {
  id: number;
  kindName: string;
  regionCode: string;
  departmentPath: string | null;
  staffId: number | null;
  /** Shanghai day (YYYY-MM-DD) it was upheld. */
  upheldOn: string;
}

/** The reason an upheld fraud signal gives a unit on the key-supervision list (R18, R23). */
export function signalReason(s: UpheldSignal): string {
  return `刷评线索经核实认定（${s.kindName}，线索 #${s.id}，${s.upheldOn} 认定）`;
}

// ---------------------------------------------------------------------------------------------
// Rectification outcomes as known at a period's end
// ---------------------------------------------------------------------------------------------

export interface RectFacts {
  state: string;
  resolvedAt: number | null;
  onTime: boolean | null;
  rectifyDueAt: number;
  calledBackAt: number | null;
  callbackSatisfaction: number | null;
}

/**
 * What one rectification case adds to a period [start, end) (R16, R19, R22), from timestamps only, so
 * the answer never changes once the period is over: a case is settled when it was resolved in time
 * (at its resolution) or when its deadline passed unresolved (at the deadline); it counts in the period
 * it was settled in. A callback counts in the period it was made in. Overdue = deadline passed before
 * the end and not resolved before the end. Invalidated cases (R18) count nowhere.
 */
export function rectContribution(
  c: RectFacts,
  startMs: number,
  endMs: number,
): Pick<UnitCounts, 'rectDue' | 'rectOnTime' | 'callbacks' | 'callbackSatisfied' | 'overdue'> {
  const out = { rectDue: 0, rectOnTime: 0, callbacks: 0, callbackSatisfied: 0, overdue: 0 };
  if (c.state === 'INVALIDATED') return out;
  const inTime = c.resolvedAt !== null && c.onTime === true;
  const settledAt = inTime ? c.resolvedAt! : c.rectifyDueAt;
  if (settledAt >= startMs && settledAt < endMs) {
    out.rectDue = 1;
    if (inTime) out.rectOnTime = 1;
  }
  if (c.calledBackAt !== null && c.calledBackAt >= startMs && c.calledBackAt < endMs && c.callbackSatisfaction !== null) {
    out.callbacks = 1;
    if (c.callbackSatisfaction >= 3) out.callbackSatisfied = 1;
  }
  if (c.rectifyDueAt < endMs && (c.resolvedAt === null || c.resolvedAt >= endMs)) out.overdue = 1;
  return out;
}
