import { describe, expect, it } from 'vitest';
import type { Actor } from '../../../server/src/common/actor.js';
import { DomainError } from '../../../server/src/common/errors.js';
import { addDays, coverDays } from '../../../server/src/stats/period.logic.js';
import {
  countDimensions,
  addMonths,
  bucketStartIso,
  buildBreakdownRows,
  buildOverview,
  countsOf,
  figuresOf,
  filterKey,
  isNewerSnapshot,
  lastDayOf,
  nextSeq,
  normalizeFilter,
  planBreakdown,
  planRange,
  planTrend,
  regionPrefix,
  scopeKeyOf,
  trendBucketOf,
  type CountCell,
  type FilterScope,
  type PeriodRange,
} from '../../../server/src/stats/stats.logic.js';
import { accessFor, audienceOf, checkStatsAccess, feedViewOf, minCountFor, withDefaultScope } from '../../../server/src/stats/access.logic.js';

const CITY = '419900000000';
const DISTRICT = '419901000000';
const TOWNSHIP = '419901001000';
const VILLAGE = '419901001001';

function cells(spec: Array<[level: number, isDefault: boolean, n: number, channel?: string]>): CountCell[] {
  return spec.map(([level, isDefault, n, channel]) => ({ level, isDefault, n, channel: channel ?? 'WINDOW' }));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof DomainError ? err.code : 'NOT_A_DOMAIN_ERROR';
  }
  return undefined;
}

describe('figures (R2, R21, R22)', () => {
  it('counts levels 5, 4, 3 as good and 2, 1 as bad (R2)', () => {
    const f = figuresOf(
      countsOf(
        cells([
          [5, false, 10],
          [4, false, 5],
          [3, false, 2],
          [2, false, 1],
          [1, false, 1],
        ]),
      ),
    );
    expect(f).toMatchObject({ total: 19, good: 17, bad: 2, suppressed: false });
    expect(f.goodRate).toBe(17 / 19);
    expect(f.badRate).toBe(2 / 19);
  });

  it('keeps rates exact: 1/3 is not rounded (the screens round, for display only)', () => {
    const f = figuresOf(
      countsOf(
        cells([
          [5, false, 1],
          [1, false, 2],
        ]),
      ),
    );
    expect(f.goodRate).toBe(1 / 3);
    expect(figuresOf(countsOf([])).goodRate).toBeNull();
  });

  it('counts defaults in the total and in the unrated rate, not in the active good rate (R11, R22)', () => {
    // Tianjin's profile (R24): 16.6% unevaluated.
    const f = figuresOf(
      countsOf(
        cells([
          [5, false, 800],
          [2, false, 34],
          [3, true, 166],
        ]),
      ),
    );
    expect(f.total).toBe(1000);
    expect(f.defaulted).toBe(166);
    expect(f.active).toBe(834);
    expect(f.unratedRate).toBe(166 / 1000);
    expect(f.goodRate).toBe(966 / 1000);
    expect(f.activeGoodRate).toBe(800 / 834);
  });

  it('gives null rates for an empty scope rather than 0 or NaN', () => {
    const f = figuresOf(countsOf([]));
    expect(f).toMatchObject({ total: 0, goodRate: null, badRate: null, activeGoodRate: null, unratedRate: null });
    const onlyDefaults = figuresOf(countsOf(cells([[3, true, 4]])));
    expect(onlyDefaults.activeGoodRate).toBeNull();
    expect(onlyDefaults.unratedRate).toBe(1);
  });

  it('withholds every figure computed from fewer ratings than the public minimum', () => {
    const few = countsOf(
      cells([
        [5, false, 3],
        [1, false, 1],
      ]),
    );
    expect(figuresOf(few, 5)).toEqual({
      total: null,
      good: null,
      bad: null,
      active: null,
      defaulted: null,
      goodRate: null,
      badRate: null,
      activeGoodRate: null,
      unratedRate: null,
      suppressed: true,
    });
    expect(figuresOf(few, 4).suppressed).toBe(false);
    expect(figuresOf(few, 0).total).toBe(4);
  });
});

describe('buildOverview', () => {
  it('splits by level (best first) and by channel in the order of R5', () => {
    const o = buildOverview(
      'T',
      cells([
        [5, false, 7, 'WINDOW'],
        [4, false, 2, 'PC'],
        [3, true, 3, 'DEFAULT'],
        [1, false, 1, 'PC'],
      ]),
      0,
    );
    expect(o.total).toBe(13);
    expect(o.byLevel.map((l) => [l.level, l.count])).toEqual([
      [5, 7],
      [4, 2],
      [3, 3],
      [2, 0],
      [1, 1],
    ]);
    expect(o.byLevel[0]!.name).toBe('非常满意');
    expect(o.byChannel.map((c) => [c.channel, c.total, c.bad])).toEqual([
      ['PC', 3, 1],
      ['WINDOW', 7, 0],
      ['DEFAULT', 3, 0],
    ]);
  });

  it('suppresses each channel on its own count, and the levels with the whole (public minimum)', () => {
    const o = buildOverview(
      'T',
      cells([
        [5, false, 9, 'WINDOW'],
        [1, false, 2, 'SMS'],
      ]),
      5,
    );
    expect(o.total).toBe(11);
    expect(o.byLevel.find((l) => l.level === 1)!.count).toBe(2);
    expect(o.byChannel.find((c) => c.channel === 'SMS')).toMatchObject({ suppressed: true, total: null, badRate: null });
    expect(o.byChannel.find((c) => c.channel === 'WINDOW')).toMatchObject({ suppressed: false, total: 9 });
    const small = buildOverview('D:1', cells([[1, false, 2, 'SMS']]), 5);
    expect(small.suppressed).toBe(true);
    expect(small.byLevel.every((l) => l.count === null)).toBe(true);
  });
});

describe('buildBreakdownRows', () => {
  it('ranks by total, then key, and cuts at the limit', () => {
    const rows = buildBreakdownRows(
      [
        { key: '2', name: 'b', code: null, regionLevel: null, counts: countsOf(cells([[5, false, 3]])) },
        { key: '10', name: 'c', code: null, regionLevel: null, counts: countsOf(cells([[5, false, 9]])) },
        { key: '1', name: 'a', code: null, regionLevel: null, counts: countsOf(cells([[5, false, 3]])) },
      ],
      0,
      2,
    );
    expect(rows.map((r) => r.key)).toEqual(['10', '1']);
  });
});

describe('normalizeFilter', () => {
  it('separates consultation figures from handled-case figures (R10)', () => {
    expect(normalizeFilter({}).bucket).toBe('H');
    expect(normalizeFilter({ consultation: true }).bucket).toBe('C');
    expect(filterKey(normalizeFilter({ consultation: true }))).not.toBe(filterKey(normalizeFilter({})));
  });

  it('canonicalises equal filters to one key (one live topic)', () => {
    const a = normalizeFilter({ regionCode: '419901', channel: null, from: '', consultation: false });
    const b = normalizeFilter({ regionCode: DISTRICT });
    expect(filterKey(a)).toBe(filterKey(b));
    expect(scopeKeyOf(a.scope)).toBe(`R:${DISTRICT}`);
  });

  it('rejects ambiguous or malformed filters with BAD_USER_INPUT', () => {
    expect(codeOf(() => normalizeFilter({ regionCode: CITY, departmentId: 3 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => normalizeFilter({ regionCode: '12345' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => normalizeFilter({ channel: 'FAX' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => normalizeFilter({ from: '2026-02-30' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => normalizeFilter({ from: '2026-11-21', to: '2026-11-20' }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => normalizeFilter({ departmentId: 0 }))).toBe('BAD_USER_INPUT');
  });
});

/** Every day a plan covers, each once (throws on overlap). */
function daysOf(ranges: PeriodRange[]): number[] {
  const days: number[] = [];
  for (const r of ranges) {
    if (r.grain === 'M') {
      for (let m = r.from; m <= r.to; m = addMonths(m, 1)) for (let d = m * 100 + 1; d <= lastDayOf(m); d = addDays(d, 1)) days.push(d);
    } else if (r.grain === 'D') for (let d = r.from; d <= r.to; d = addDays(d, 1)) days.push(d);
    else throw new Error(`unexpected grain ${r.grain}`);
  }
  if (new Set(days).size !== days.length) throw new Error('a day is covered twice');
  return days.sort((a, b) => a - b);
}

describe('planRange', () => {
  it('reads the all-time row when there is no range', () => {
    expect(planRange(null, null)).toEqual([{ grain: 'A', from: 0, to: 0 }]);
  });

  it('matches coverDays exactly, day for day, on random ranges (month rows for whole months, day rows for the ends)', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 300; i++) {
      const from = addDays(20250101, rnd(900));
      const to = addDays(from, rnd(i % 3 === 0 ? 40 : 500));
      const plan = planRange(from, to);
      const cover = coverDays(from, to);
      const expected = daysOf([
        ...cover.months.map((m): PeriodRange => ({ grain: 'M', from: m, to: m })),
        ...cover.days.map((d): PeriodRange => ({ grain: 'D', from: d, to: d })),
      ]);
      expect(daysOf(plan)).toEqual(expected);
      expect(plan.length).toBeLessThanOrEqual(3);
      // Same number of month rows as coverDays, i.e. the fewest rows.
      const months = plan
        .filter((r) => r.grain === 'M')
        .flatMap((r) => {
          const ms = [];
          for (let m = r.from; m <= r.to; m = addMonths(m, 1)) ms.push(m);
          return ms;
        });
      expect(months).toEqual(cover.months);
    }
  });

  it('leaves either end open', () => {
    expect(planRange(20261115, null)).toEqual([
      { grain: 'D', from: 20261115, to: 20261130 },
      { grain: 'M', from: 202612, to: 999912 },
    ]);
    expect(planRange(null, 20261115)).toEqual([
      { grain: 'M', from: 0, to: 202610 },
      { grain: 'D', from: 20261101, to: 20261115 },
    ]);
    expect(planRange(20261101, 20261130)).toEqual([{ grain: 'M', from: 202611, to: 202611 }]);
    expect(planRange(20261102, 20261129)).toEqual([{ grain: 'D', from: 20261102, to: 20261129 }]);
  });
});

describe('planTrend', () => {
  const total: FilterScope = { kind: 'TOTAL' };

  it('defaults to today by hour, 30 days by day, 12 months by month', () => {
    expect(planTrend('HOUR', null, null, 20261121, total).buckets).toHaveLength(24);
    expect(planTrend('HOUR', null, null, 20261121, total).ranges).toEqual([{ grain: 'H', from: 2026112100, to: 2026112123 }]);
    const days = planTrend('DAY', null, null, 20261121, total);
    expect(days.buckets[0]).toBe(20261023);
    expect(days.buckets.at(-1)).toBe(20261121);
    const months = planTrend('MONTH', null, null, 20261121, total);
    expect(months.buckets).toEqual([202512, 202601, 202602, 202603, 202604, 202605, 202606, 202607, 202608, 202609, 202610, 202611]);
    // The current month is ragged: read from day rows and counted into its month.
    expect(months.ranges).toEqual([
      { grain: 'M', from: 202512, to: 202610 },
      { grain: 'D', from: 20261101, to: 20261121 },
    ]);
    expect(trendBucketOf('MONTH', 'D', 20261107)).toBe(202611);
    expect(trendBucketOf('DAY', 'D', 20261107)).toBe(20261107);
  });

  it('keeps hourly figures for the total, regions and departments only', () => {
    expect(codeOf(() => planTrend('HOUR', null, null, 20261121, { kind: 'STAFF', id: 1 }))).toBe('BAD_USER_INPUT');
    expect(planTrend('DAY', null, null, 20261121, { kind: 'STAFF', id: 1 }).buckets).toHaveLength(30);
  });

  it('refuses unbounded series', () => {
    expect(codeOf(() => planTrend('HOUR', 20261001, 20261121, 20261121, total))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => planTrend('DAY', 20200101, 20261121, 20261121, total))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => planTrend('DAY', 20261122, null, 20261121, total))).toBe('BAD_USER_INPUT');
  });

  it('labels points with their Shanghai start time', () => {
    expect(bucketStartIso('HOUR', 2026112113)).toBe('2026-11-21T13:00:00+08:00');
    expect(bucketStartIso('DAY', 20261121)).toBe('2026-11-21T00:00:00+08:00');
    expect(bucketStartIso('MONTH', 202611)).toBe('2026-11-01T00:00:00+08:00');
  });
});

describe('planBreakdown (drill-down)', () => {
  it('goes from the city to its districts to their townships', () => {
    expect(planBreakdown('REGION', { kind: 'TOTAL' })).toEqual({ by: 'REGION', parentCode: null });
    expect(planBreakdown('REGION', { kind: 'REGION', code: CITY })).toEqual({ by: 'REGION', parentCode: CITY });
    expect(planBreakdown('REGION', { kind: 'REGION', code: DISTRICT })).toEqual({ by: 'REGION', parentCode: DISTRICT });
    expect(planBreakdown('REGION', { kind: 'REGION', code: TOWNSHIP })).toEqual({ by: 'REGION', parentCode: TOWNSHIP });
    expect(codeOf(() => planBreakdown('REGION', { kind: 'REGION', code: VILLAGE }))).toBe('BAD_USER_INPUT');
  });

  it('lists departments of a region or sub-units of a department, items and staff of either', () => {
    expect(planBreakdown('DEPARTMENT', { kind: 'REGION', code: DISTRICT })).toEqual({ by: 'DEPARTMENT', regionCode: DISTRICT });
    expect(planBreakdown('DEPARTMENT', { kind: 'DEPARTMENT', id: 3 })).toEqual({ by: 'DEPARTMENT', parentId: 3 });
    expect(planBreakdown('STAFF', { kind: 'DEPARTMENT', id: 3 })).toEqual({ by: 'STAFF', underDepartment: 3 });
    expect(planBreakdown('ITEM', { kind: 'REGION', code: CITY })).toEqual({ by: 'ITEM', regionPrefix: '4199' });
    expect(planBreakdown('CHANNEL', { kind: 'STAFF', id: 1 })).toEqual({ by: 'CHANNEL' });
    expect(codeOf(() => planBreakdown('REGION', { kind: 'DEPARTMENT', id: 3 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(() => planBreakdown('STAFF', { kind: 'ITEM', id: 3 }))).toBe('BAD_USER_INPUT');
  });

  it('computes the significant prefix of a region code', () => {
    expect(regionPrefix(CITY)).toBe('4199');
    expect(regionPrefix(DISTRICT)).toBe('419901');
    expect(regionPrefix('419901010000')).toBe('419901010');
  });
});

describe('checkStatsAccess', () => {
  const officer: Actor = { role: 'department', label: 'user:1', departmentId: 3, departmentPath: '/1/3/' };
  const supervisor: Actor = { role: 'supervisor', label: 'user:2', regionCode: DISTRICT };
  const publicActor: Actor = { role: 'public', label: 'public' };
  const screen: Actor = { role: 'screen', label: 'screen:x', regionCode: CITY };

  it('denies per-staff figures to public callers and screens (R21: aggregates only)', () => {
    expect(codeOf(() => checkStatsAccess(publicActor, { kind: 'STAFF', id: 1 }, true, null))).toBe('FORBIDDEN');
    expect(codeOf(() => checkStatsAccess(screen, { kind: 'DEPARTMENT', id: 3 }, true, null))).toBe('FORBIDDEN');
    expect(
      codeOf(() =>
        checkStatsAccess({ role: 'system', label: 'k', departmentPath: '/1/3/' }, { kind: 'DEPARTMENT', id: 3 }, true, {
          departmentPath: '/1/3/',
          regionCode: CITY,
        }),
      ),
    ).toBe('FORBIDDEN');
    expect(codeOf(() => checkStatsAccess(publicActor, { kind: 'DEPARTMENT', id: 3 }, false, null))).toBeUndefined();
  });

  it('gives department officers their own subtree exactly, and elsewhere what the public sees, never less (R12, R21)', () => {
    expect(accessFor(officer, { kind: 'STAFF', id: 9 }, true, { departmentPath: '/1/3/7/', regionCode: CITY })).toBe('full');
    expect(accessFor(officer, { kind: 'DEPARTMENT', id: 3 }, false, { departmentPath: '/1/3/', regionCode: CITY })).toBe('full');
    expect(accessFor(officer, { kind: 'DEPARTMENT', id: 1 }, false, { departmentPath: '/1/', regionCode: CITY })).toBe('public');
    expect(accessFor(officer, { kind: 'DEPARTMENT', id: 33 }, false, { departmentPath: '/1/33/', regionCode: CITY })).toBe('public');
    expect(accessFor(officer, { kind: 'REGION', code: CITY }, false, null)).toBe('public');
    expect(accessFor(officer, { kind: 'TOTAL' }, false, null)).toBe('public');
    // Per-staff figures of another department stay refused: the public never sees them either.
    expect(codeOf(() => checkStatsAccess(officer, { kind: 'STAFF', id: 8 }, true, { departmentPath: '/1/33/', regionCode: CITY }))).toBe('FORBIDDEN');
  });

  it('gives supervisors their region exactly, and elsewhere what the public sees (R12, R21)', () => {
    expect(accessFor(supervisor, { kind: 'REGION', code: TOWNSHIP }, false, null)).toBe('full');
    expect(accessFor(supervisor, { kind: 'STAFF', id: 2 }, true, { departmentPath: '/5/', regionCode: TOWNSHIP })).toBe('full');
    expect(accessFor(supervisor, { kind: 'REGION', code: CITY }, false, null)).toBe('public');
    expect(accessFor(supervisor, { kind: 'DEPARTMENT', id: 2 }, false, { departmentPath: '/5/', regionCode: CITY })).toBe('public');
    expect(accessFor(supervisor, { kind: 'TOTAL' }, false, null)).toBe('public');
    expect(codeOf(() => checkStatsAccess(supervisor, { kind: 'STAFF', id: 2 }, true, { departmentPath: '/5/', regionCode: CITY }))).toBe('FORBIDDEN');
  });

  it('defaults officials to their own unit and decides who gets the public minimum', () => {
    expect(withDefaultScope(officer, normalizeFilter({})).scope).toEqual({ kind: 'DEPARTMENT', id: 3 });
    expect(withDefaultScope(supervisor, normalizeFilter({})).scope).toEqual({ kind: 'REGION', code: DISTRICT });
    expect(withDefaultScope(publicActor, normalizeFilter({})).scope).toEqual({ kind: 'TOTAL' });
    expect(audienceOf(publicActor)).toBe('public');
    expect(audienceOf(screen)).toBe('public');
    expect(audienceOf(officer)).toBe('full');
    expect(minCountFor('public', 5)).toBe(5);
    expect(minCountFor('full', 5)).toBe(0);
  });
});

describe('feedViewOf (R12: no retaliation from the feed)', () => {
  it('gives officials every entry at once, public feeds of a wide scope bad reviews after the delay, and hall-sized scopes none', () => {
    for (const scope of [{ kind: 'TOTAL' }, { kind: 'DEPARTMENT', id: 3 }, { kind: 'STAFF', id: 1 }] as const) expect(feedViewOf('full', scope)).toBe('full');
    expect(feedViewOf('public', { kind: 'TOTAL' })).toBe('delayed');
    expect(feedViewOf('public', { kind: 'REGION', code: '410000000000' })).toBe('delayed');
    expect(feedViewOf('public', { kind: 'REGION', code: CITY })).toBe('delayed');
    expect(feedViewOf('public', { kind: 'REGION', code: DISTRICT })).toBe('countsOnly');
    expect(feedViewOf('public', { kind: 'REGION', code: TOWNSHIP })).toBe('countsOnly');
    expect(feedViewOf('public', { kind: 'DEPARTMENT', id: 3 })).toBe('countsOnly');
    expect(feedViewOf('public', { kind: 'ITEM', id: 3 })).toBe('countsOnly');
  });
});

describe('snapshot sequencing', () => {
  it('increases strictly and never falls behind the clock', () => {
    expect(nextSeq(0, 1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(nextSeq(1_700_000_000_000, 1_700_000_000_000)).toBe(1_700_000_000_001);
    expect(nextSeq(1_700_000_000_005, 1_700_000_000_001)).toBe(1_700_000_000_006);
    expect(isNewerSnapshot(5, null)).toBe(true);
    expect(isNewerSnapshot(5, 5)).toBe(false);
    expect(isNewerSnapshot(6, 5)).toBe(true);
  });
});

describe('countDimensions (R3)', () => {
  const defs = [
    { key: 'attitude', name: '服务态度' },
    { key: 'trips', name: '跑趟次数' },
  ];
  it('counts each dimension, ignores unknown keys and bad JSON, withholds small counts from the public', () => {
    const stored = ['{"attitude":5,"trips":2}', '{"attitude":2}', null, 'not json', '{"speed":5}'];
    expect(countDimensions(stored, defs, 0)).toEqual([
      { key: 'attitude', name: '服务态度', rated: 2, average: 3.5, good: 1, goodRate: 0.5 },
      { key: 'trips', name: '跑趟次数', rated: 1, average: 2, good: 0, goodRate: 0 },
    ]);
    expect(countDimensions(stored, defs, 2)[1]).toEqual({ key: 'trips', name: '跑趟次数', rated: null, average: null, good: null, goodRate: null });
  });
});
