import { describe, expect, it } from 'vitest';
import { comparedFiguresOf, comparedPeriods, deltaOf, mean, median, summarisePeers } from '../../../server/src/stats/comparison.logic.js';
import { parseDimensions } from '../../../server/src/stats/rollup.logic.js';

const DEFS = [
  { key: 'attitude', name: '服务态度' },
  { key: 'trips', name: '跑趟次数' },
];

describe('comparison arithmetic (R3, R22)', () => {
  it('computes ratings, good rate, mean level and dimension good rates, withholding below the minimum', () => {
    const f = comparedFiguresOf(
      [
        { level: 5, n: 2 },
        { level: 2, n: 1 },
        { level: 1, n: 1 },
      ],
      [
        { dimension: 'attitude', level: 4, n: 1 },
        { dimension: 'attitude', level: 1, n: 1 },
        { dimension: 'trips', level: 5, n: 1 },
      ],
      DEFS,
      2,
    );
    expect(f).toEqual({
      ratings: 4,
      goodRate: 0.5,
      averageLevel: 13 / 4,
      dimensions: [
        { key: 'attitude', name: '服务态度', rated: 2, goodRate: 0.5 },
        { key: 'trips', name: '跑趟次数', rated: null, goodRate: null },
      ],
    });
  });

  it('summarises peers over the known figures only, and subtracts figure by figure', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
    expect(mean([1, 2])).toBe(1.5);
    const a = comparedFiguresOf([{ level: 5, n: 1 }], [], DEFS, 0);
    const b = comparedFiguresOf([{ level: 1, n: 3 }], [{ dimension: 'trips', level: 3, n: 1 }], DEFS, 0);
    const none = comparedFiguresOf([], [], DEFS, 0);
    const m = summarisePeers([a, b, none], DEFS, median);
    expect(m).toMatchObject({ ratings: 1, goodRate: 0.5, averageLevel: 3 });
    expect(m.dimensions[1]).toMatchObject({ rated: 0, goodRate: 1 });
    expect(deltaOf(a, b)).toMatchObject({ ratings: -2, goodRate: 1, averageLevel: 4 });
    expect(deltaOf(a, b).dimensions[1]).toMatchObject({ rated: -1, goodRate: null });
  });

  it('takes the previous period of equal length, ending the day before (30 days without a range)', () => {
    expect(comparedPeriods(20261121, 20261130, 20261130)).toEqual({ from: 20261121, to: 20261130, previousFrom: 20261111, previousTo: 20261120, days: 10 });
    expect(comparedPeriods(null, null, 20260301)).toEqual({ from: 20260131, to: 20260301, previousFrom: 20260101, previousTo: 20260130, days: 30 });
  });

  it('counts only the seven known dimensions with a level 1–5 from the stored JSON (R3)', () => {
    expect(parseDimensions('{"trips":4,"attitude":5,"unknown":3,"efficiency":6,"materials":2.5}')).toEqual([
      { dimension: 'attitude', level: 5 },
      { dimension: 'trips', level: 4 },
    ]);
    expect(parseDimensions('not json')).toEqual([]);
    expect(parseDimensions(null)).toEqual([]);
  });
});
