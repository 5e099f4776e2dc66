import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RULES,
  bottomOf,
  compositeOf,
  dimensionsOf,
  emptyUnitCounts,
  parsePeriod,
  previousPeriod,
  rankByGoodRate,
  rankUnits,
  rectContribution,
  resolveAssessmentRules,
  selectSupervision,
  validateAssessmentSetting,
  wilsonLower,
  type UnitCounts,
  type UnitFacts,
} from '../../../server/src/assessment/assessment.logic.js';

const counts = (patch: Partial<UnitCounts>): UnitCounts => ({ ...emptyUnitCounts(), ...patch });
const unit = (key: string, name: string, c: Partial<UnitCounts>): UnitFacts => ({ key, name, departmentPath: '', counts: counts(c) });
/** n ratings of which `good` are 非常满意 and the rest 非常不满意, all given actively. */
const rated = (n: number, good: number): Partial<UnitCounts> => ({ levels: [n - good, 0, 0, 0, good], active: n });

describe('periods on the Asia/Shanghai calendar (R22)', () => {
  it('reads months and quarters with their Shanghai bounds', () => {
    const m = parsePeriod('2026-11');
    expect(m.months).toEqual([202611]);
    expect(new Date(m.startMs).toISOString()).toBe('2026-10-31T16:00:00.000Z');
    expect(new Date(m.endMs).toISOString()).toBe('2026-11-30T16:00:00.000Z');
    const q = parsePeriod('2026-q4');
    expect(q.key).toBe('2026-Q4');
    expect(q.months).toEqual([202610, 202611, 202612]);
    expect(new Date(q.endMs).toISOString()).toBe('2026-12-31T16:00:00.000Z');
    expect(previousPeriod(parsePeriod('2026-01')).key).toBe('2025-12');
    expect(previousPeriod(parsePeriod('2026-Q1')).key).toBe('2025-Q4');
    expect(previousPeriod(parsePeriod('2026-Q3')).key).toBe('2026-Q2');
    expect(() => parsePeriod('2026-13')).toThrow(/YYYY-MM/);
    expect(() => parsePeriod('November')).toThrow(/YYYY-Qn/);
  });
});

describe('the four dimensions and the composite score (R22)', () => {
  // Hand-computed: 10 ratings, levels 5×5, 4×4, 1×1 → quality 9/10; 8 active → 0.8;
  // 2 rectifications settled, 1 on time → 0.5; 2 callbacks, both satisfied → 1.
  const c = counts({ levels: [1, 0, 0, 4, 5], active: 8, rectDue: 2, rectOnTime: 1, callbacks: 2, callbackSatisfied: 2 });

  it('computes each dimension and the weighted score with the default weights 40/20/20/20', () => {
    const dims = dimensionsOf(c, DEFAULT_RULES);
    expect(dims.map((d) => [d.key, d.value, d.sample])).toEqual([
      ['quality', 0.9, 10],
      ['active', 0.8, 10],
      ['rectification', 0.5, 2],
      ['callback', 1, 2],
    ]);
    // (40·0.9 + 20·0.8 + 20·0.5 + 20·1) / 100 = 82
    expect(compositeOf(dims, DEFAULT_RULES.weights).raw).toBeCloseTo(82, 10);
  });

  it('renormalises the weights over the dimensions that have a sample', () => {
    const noBadReview = counts({ levels: [0, 0, 1, 4, 5], active: 8 });
    // quality 10/10, active 0.8: (40·1 + 20·0.8) / 60 = 93.33
    expect(compositeOf(dimensionsOf(noBadReview, DEFAULT_RULES), DEFAULT_RULES.weights).raw).toBeCloseTo(93.3333, 3);
    expect(compositeOf(dimensionsOf(emptyUnitCounts(), DEFAULT_RULES), DEFAULT_RULES.weights)).toEqual({ raw: null, fair: null });
  });

  it('grades the levels with a region’s points and weights (settings)', () => {
    const { rules, values } = resolveAssessmentRules(
      ['410000000000', '419900000000'],
      [
        { regionCode: '410000000000', key: 'quality.levelPoints', value: '100,80,60,0,0' },
        { regionCode: '410000000000', key: 'weight.quality', value: '10' },
        { regionCode: '419900000000', key: 'weight.quality', value: '100' },
      ],
    );
    expect(values['weight.quality']).toEqual({ value: '100', regionCode: '419900000000' });
    // (5·1 + 4·0.8 + 1·0) / 10 = 0.82
    expect(dimensionsOf(c, rules)[0]!.value).toBeCloseTo(0.82, 10);
    // (100·0.82 + 20·0.8 + 20·0.5 + 20·1) / 160 = 128 / 160 = 80
    expect(compositeOf(dimensionsOf(c, rules), rules.weights).raw).toBeCloseTo(80, 10);
    expect(() => validateAssessmentSetting('weight.quality', '-1')).toThrow(/0–100/);
    expect(() => validateAssessmentSetting('rank.confidence', '97')).toThrow(/95/);
    expect(() => validateAssessmentSetting('nonsense', '1')).toThrow(/key/);
  });
});

describe('Wilson lower bound and fair ranking (R22)', () => {
  it('matches hand-computed Wilson bounds at 95%', () => {
    expect(wilsonLower(3, 3, 1.96)).toBeCloseTo(0.4385, 4);
    expect(wilsonLower(0, 10, 1.96)).toBe(0);
    expect(wilsonLower(2994, 3000, 1.96)).toBeCloseTo(0.99565, 4);
    expect(wilsonLower(0, 0, 1.96)).toBe(0);
  });

  it('ranks a unit with 3 ratings at 100% below one with 3,000 at 99.8% (R22)', () => {
    const rules = { ...DEFAULT_RULES, minSample: 1 };
    const ranked = rankUnits([unit('D:1', '小样本局', rated(3, 3)), unit('D:2', '大样本局', rated(3000, 2994))], rules);
    expect(ranked.map((u) => [u.name, u.rank])).toEqual([
      ['大样本局', 1],
      ['小样本局', 2],
    ]);
    expect(ranked[1]!.score).toBe(100);
    expect(ranked[1]!.fairScore!).toBeLessThan(ranked[0]!.fairScore!);
  });

  it('does not rank a unit below the minimum sample and says why', () => {
    const ranked = rankUnits([unit('D:1', '甲局', rated(29, 29)), unit('D:2', '乙局', rated(40, 30)), unit('D:3', '丙局', {})], DEFAULT_RULES);
    expect(ranked.map((u) => [u.name, u.rank, u.ranked])).toEqual([
      ['乙局', 1, true],
      ['甲局', null, false],
      ['丙局', null, false],
    ]);
    expect(ranked[1]!.note).toBe('评价量 29 少于最低样本数 30，不参与排名');
    expect(ranked[2]!.note).toBe('本期无评价，不参与排名');
  });

  it('explains ties: broken by the next criterion, or shared rank', () => {
    const rules = { ...DEFAULT_RULES, minSample: 1 };
    // Same rates, different volumes: equal raw score, the larger sample has the higher bound.
    const ranked = rankUnits([unit('D:1', '甲局', rated(50, 50)), unit('D:2', '乙局', rated(50, 50)), unit('D:3', '丙局', rated(100, 100))], rules);
    expect(ranked.map((u) => [u.name, u.rank])).toEqual([
      ['丙局', 1],
      ['甲局', 2],
      ['乙局', 2],
    ]);
    expect(ranked[0]!.note).toBeNull();
    expect(ranked[2]!.note).toBe('与「甲局」各项排序依据完全相同，并列第 2 名');
  });
});

describe('key supervision (R23)', () => {
  const rules = { ...DEFAULT_RULES, minSample: 1, consecutivePeriods: 2 };
  const group = (lowName: string) =>
    rankUnits(
      [
        unit('D:1', '甲局', rated(100, 99)),
        unit('D:2', '乙局', rated(100, lowName === '乙局' ? 80 : 98)),
        unit('D:3', '丙局', rated(100, lowName === '丙局' ? 80 : 97)),
      ],
      rules,
    );

  it('finds the bottom of a ranked group (none in a group of one)', () => {
    expect([...bottomOf(group('乙局'), 1)]).toEqual(['D:2']);
    expect([...bottomOf(rankUnits([unit('D:1', '甲局', rated(10, 1))], rules), 1)]).toEqual([]);
  });

  it('lists a unit at the bottom for the configured number of consecutive periods, with its reasons', () => {
    const twice = selectSupervision(
      [
        { label: '2026-11', ranked: group('乙局') },
        { label: '2026-10', ranked: group('乙局') },
      ],
      rules,
      '市级部门',
    );
    expect(twice.map((c) => [c.name, c.bottomStreak])).toEqual([['乙局', 2]]);
    expect(twice[0]!.reasons[0]).toMatch(/^连续 2 期（2026-10、2026-11）位列市级部门末位（本期第 3 名/);
    const once = selectSupervision(
      [
        { label: '2026-11', ranked: group('乙局') },
        { label: '2026-10', ranked: group('丙局') },
      ],
      rules,
      '市级部门',
    );
    expect(once).toEqual([]);
  });

  it('lists a unit with overdue rectifications whatever its rank', () => {
    const ranked = rankUnits([unit('D:1', '甲局', { ...rated(100, 99), overdue: 2 }), unit('D:2', '乙局', rated(100, 90))], rules);
    const list = selectSupervision([{ label: '2026-11', ranked }], rules, '市级部门');
    expect(list.map((c) => [c.name, c.reasons])).toEqual([['甲局', ['期末有 2 件差评整改超期未完成']]]);
  });
});

describe('rectification outcomes as known at a period’s end (R16, R22)', () => {
  const p = parsePeriod('2026-11');
  const day = 86_400_000;
  const base = { state: 'CLOSED', resolvedAt: null, onTime: null, rectifyDueAt: p.startMs + 10 * day, calledBackAt: null, callbackSatisfaction: null };

  it('counts a case in the period it was settled: resolved in time, or its deadline passed', () => {
    expect(rectContribution({ ...base, resolvedAt: p.startMs + day, onTime: true }, p.startMs, p.endMs)).toMatchObject({
      rectDue: 1,
      rectOnTime: 1,
      overdue: 0,
    });
    expect(rectContribution({ ...base, resolvedAt: p.startMs + 12 * day, onTime: false }, p.startMs, p.endMs)).toMatchObject({
      rectDue: 1,
      rectOnTime: 0,
      overdue: 0,
    });
    expect(rectContribution({ ...base, state: 'CLASSIFIED' }, p.startMs, p.endMs)).toMatchObject({ rectDue: 1, rectOnTime: 0, overdue: 1 });
    // Due next month and not yet resolved: not settled, not overdue.
    expect(rectContribution({ ...base, state: 'CLASSIFIED', rectifyDueAt: p.endMs + day }, p.startMs, p.endMs)).toMatchObject({ rectDue: 0, overdue: 0 });
    // Resolved after the end: still overdue as of the end.
    expect(rectContribution({ ...base, resolvedAt: p.endMs + day, onTime: false }, p.startMs, p.endMs)).toMatchObject({ overdue: 1 });
    expect(rectContribution({ ...base, state: 'INVALIDATED', resolvedAt: p.startMs + day, onTime: true }, p.startMs, p.endMs)).toMatchObject({
      rectDue: 0,
      overdue: 0,
    });
  });

  it('counts callbacks in the period they were made, satisfied at levels 5–3', () => {
    expect(
      rectContribution({ ...base, resolvedAt: p.startMs, onTime: true, calledBackAt: p.startMs + day, callbackSatisfaction: 3 }, p.startMs, p.endMs),
    ).toMatchObject({ callbacks: 1, callbackSatisfied: 1 });
    expect(
      rectContribution({ ...base, resolvedAt: p.startMs, onTime: true, calledBackAt: p.startMs + day, callbackSatisfaction: 2 }, p.startMs, p.endMs),
    ).toMatchObject({ callbacks: 1, callbackSatisfied: 0 });
    expect(
      rectContribution({ ...base, resolvedAt: p.startMs, onTime: true, calledBackAt: p.endMs, callbackSatisfaction: 5 }, p.startMs, p.endMs),
    ).toMatchObject({ callbacks: 0 });
  });
});

describe('the big screen’s ranking by the good rate (R21, R22)', () => {
  const row = (key: string, name: string, total: number, good: number, suppressed = false) => ({ key, name, total, good, suppressed });
  it('ranks 3,000 ratings at 99.8% above 3 at 100%, under the minimum apart (样本不足), withheld last', () => {
    const rules = { ...DEFAULT_RULES, minSample: 3 };
    const ranked = rankByGoodRate(
      [row('1', '小样本局', 3, 3), row('2', '大样本局', 3000, 2994), row('3', '新设局', 2, 2), row('4', '不公开局', 0, 0, true)],
      rules,
    );
    expect(ranked.map((u) => [u.name, u.rank, u.note])).toEqual([
      ['大样本局', 1, null],
      ['小样本局', 2, null],
      ['新设局', null, '样本不足：评价量 2 少于最低样本数 3，不参与排名'],
      ['不公开局', null, '样本不足：评价量过少，不公开'],
    ]);
    expect(ranked[0]!.dimensions[0]!.lower).toBeCloseTo(wilsonLower(2994, 3000, 1.96), 12);
  });
  it('explains ties in the screen’s words, at the region’s confidence', () => {
    const rules = resolveAssessmentRules(['410000000000'], [{ regionCode: '410000000000', key: 'rank.confidence', value: '99' }]).rules;
    const ranked = rankByGoodRate([row('1', '甲局', 50, 50), row('2', '乙局', 50, 50), row('3', '丙局', 80, 79)], { ...rules, minSample: 1 });
    expect(ranked.map((u) => [u.name, u.rank])).toEqual([
      // 79 of 80 has the higher lower bound than 50 of 50.
      ['丙局', 1],
      ['甲局', 2],
      ['乙局', 2],
    ]);
    expect(ranked[2]!.note).toBe('与「甲局」各项排序依据完全相同，并列第 2 名');
    expect(ranked[1]!.dimensions[0]!.lower).toBeCloseTo(wilsonLower(50, 50, 2.5758), 12);
  });
});
