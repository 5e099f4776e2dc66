import { regionAncestors } from '../catalog/region.logic.js';
import { periodOf } from '../stats/period.logic.js';
import type { RectCaseState } from './rectification.logic.js';
import { scopeKey } from '../common/scope-key.js';

/**
 * Assessment figures of rectification (R19, R22), kept incrementally in `rect_rollup` like the rating
 * rollups: each case contributes a set of metric counts, and every change of a case adds
 * contribution(after) − contribution(before), in the transaction that changes it. An invalidated case
 * contributes only `invalidated`, so it leaves every other figure exactly.
 *
 * Cohorts: a case counts in the month it was opened (the month of the bad review), in scope T (total),
 * in every region from its department's region up, and in its department and every parent department.
 */
export const METRICS = [
  'cases',
  'open',
  'rectified',
  'onTime',
  'calledBack',
  'callbackRated',
  'callbackSatisfied',
  'closed',
  'overdueOpen',
  'overdueEver',
  'appealed',
  'invalidated',
  'rerated',
  'reratedGood',
  'levelBeforeSum',
  'levelAfterSum',
] as const;
export type Metric = (typeof METRICS)[number];
export type Contribution = Partial<Record<Metric, number>>;

type FigureFacts = Pick<
  RectCaseState,
  | 'state'
  | 'level'
  | 'resolvedAt'
  | 'onTime'
  | 'callbackReached'
  | 'callbackSatisfaction'
  | 'overdue'
  | 'everOverdue'
  | 'appealedAt'
  | 'rerateLevel'
  | 'rerateChannel'
>;

/** What one case adds to the figures in its current state. */
export function contributionOf(c: FigureFacts): Contribution {
  if (c.state === 'INVALIDATED') return { invalidated: 1 };
  const m: Contribution = { cases: 1 };
  const finished = c.state === 'CLOSED';
  if (!finished) m.open = 1;
  if (finished) m.closed = 1;
  if (c.resolvedAt !== null) m.rectified = 1;
  if (c.resolvedAt !== null && c.onTime) m.onTime = 1;
  if (c.callbackReached) m.calledBack = 1;
  if (c.callbackSatisfaction !== null) {
    m.callbackRated = 1;
    if (c.callbackSatisfaction >= 3) m.callbackSatisfied = 1;
  }
  if (c.overdue && !finished) m.overdueOpen = 1;
  if (c.everOverdue) m.overdueEver = 1;
  if (c.appealedAt !== null) m.appealed = 1;
  // How far the rating recovered: the rater's own re-rating, else the satisfaction given on the callback.
  const after = c.rerateLevel ?? c.callbackSatisfaction;
  if (after !== null) {
    m.rerated = 1;
    if (after >= 3) m.reratedGood = 1;
    m.levelBeforeSum = c.level;
    m.levelAfterSum = after;
  }
  return m;
}

export interface RectScope {
  departmentPath: string;
  regionCode: string;
}

/** Scope keys a case counts in: total, regions (province down), departments (top down). */
export function rectScopesOf(s: RectScope): string[] {
  return [
    scopeKey.total,
    ...regionAncestors(s.regionCode).map((code) => scopeKey.region(code)),
    ...s.departmentPath
      .split('/')
      .filter(Boolean)
      .map((id) => scopeKey.department(id)),
  ];
}

export interface RectRollupDelta {
  scope: string;
  grain: 'A' | 'M';
  period: number;
  metric: Metric;
  n: number;
}

/** The counter changes of one case going from `before` (null: new) to `after`. */
export function rectRollupDeltas(scope: RectScope, openedAt: number, before: FigureFacts | null, after: FigureFacts): RectRollupDelta[] {
  const a = contributionOf(after);
  const b = before ? contributionOf(before) : {};
  const changes: Array<[Metric, number]> = [];
  for (const metric of METRICS) {
    const n = (a[metric] ?? 0) - (b[metric] ?? 0);
    if (n !== 0) changes.push([metric, n]);
  }
  if (changes.length === 0) return [];
  const out: RectRollupDelta[] = [];
  for (const key of rectScopesOf(scope)) {
    for (const grain of ['A', 'M'] as const) {
      for (const [metric, n] of changes) out.push({ scope: key, grain, period: periodOf(openedAt, grain), metric, n });
    }
  }
  return out;
}

export interface RectFigures {
  counts: Record<Metric, number>;
  /** Rates as exact fractions' values (0–1), null when the denominator is 0. */
  rectificationRate: number | null;
  onTimeRate: number | null;
  callbackRate: number | null;
  callbackSatisfactionRate: number | null;
  /** Of the cases whose fix was rated again: average level before and after, and the share now good. */
  averageLevelBefore: number | null;
  averageLevelAfter: number | null;
  recoveredRate: number | null;
}

/**
 * Definitions (R19, R22): rectification rate = rectified (fixed, or explained when unfounded) / cases;
 * on-time rate = rectified before the deadline in force / rectified; callback rate = raters reached
 * on the callback / cases; callback satisfaction rate = satisfied (levels 5–3) / callbacks with a level.
 * Cases are those of valid bad reviews (invalidated ones are excluded).
 */
export function figuresFrom(counts: Partial<Record<Metric, number>>): RectFigures {
  const c = Object.fromEntries(METRICS.map((m) => [m, counts[m] ?? 0])) as Record<Metric, number>;
  const ratio = (a: number, b: number) => (b === 0 ? null : a / b);
  return {
    counts: c,
    rectificationRate: ratio(c.rectified, c.cases),
    onTimeRate: ratio(c.onTime, c.rectified),
    callbackRate: ratio(c.calledBack, c.cases),
    callbackSatisfactionRate: ratio(c.callbackSatisfied, c.callbackRated),
    averageLevelBefore: ratio(c.levelBeforeSum, c.rerated),
    averageLevelAfter: ratio(c.levelAfterSum, c.rerated),
    recoveredRate: ratio(c.reratedGood, c.rerated),
  };
}
