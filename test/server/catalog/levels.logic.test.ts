import { describe, it, expect } from 'vitest';
import {
  DIMENSIONS,
  LEVELS,
  fromGbSatisfactionCode,
  isBadLevel,
  isDimensionKey,
  isGoodLevel,
  isLevel,
  toGbSatisfactionCode,
} from '../../../server/src/catalog/levels.logic.js';
import {
  NATIONAL_TAGS,
  RETIRED_TAGS,
  TAG_DICTIONARY_VERSION,
  isTagValidForLevel,
  nationalTagsForLevel,
  tagLevel,
} from '../../../server/src/catalog/tags.data.js';

describe('LEVELS', () => {
  it('lists the five levels best first with their Chinese names (R2)', () => {
    expect(LEVELS.map((l) => [l.value, l.name])).toEqual([
      [5, '非常满意'],
      [4, '满意'],
      [3, '基本满意'],
      [2, '不满意'],
      [1, '非常不满意'],
    ]);
    for (const l of LEVELS) expect(l.nameEn).toMatch(/atisfied/);
  });
});

describe('isGoodLevel / isBadLevel', () => {
  it('calls 5, 4 and 3 good and 2 and 1 bad (R2)', () => {
    expect([5, 4, 3, 2, 1].map(isGoodLevel)).toEqual([true, true, true, false, false]);
    expect([5, 4, 3, 2, 1].map(isBadLevel)).toEqual([false, false, false, true, true]);
  });

  it('calls values outside the scale neither good nor bad (R2)', () => {
    for (const v of [0, 6, 2.5, -1, NaN]) {
      expect(isGoodLevel(v)).toBe(false);
      expect(isBadLevel(v)).toBe(false);
      expect(isLevel(v)).toBe(false);
    }
  });
});

describe('GB/T 39046 satisfaction codes', () => {
  it('reverses the order: 非常满意 is code 1, 非常不满意 code 5 (R2)', () => {
    expect([5, 4, 3, 2, 1].map(toGbSatisfactionCode)).toEqual([1, 2, 3, 4, 5]);
    expect([1, 2, 3, 4, 5].map(fromGbSatisfactionCode)).toEqual([5, 4, 3, 2, 1]);
  });

  it('round-trips every level (R2)', () => {
    for (const l of LEVELS) expect(fromGbSatisfactionCode(toGbSatisfactionCode(l.value))).toBe(l.value);
  });

  it('rejects values off the scale, saying what it got', () => {
    expect(() => toGbSatisfactionCode(7)).toThrow('level must be 1–5, got 7');
    expect(() => fromGbSatisfactionCode(0)).toThrow('GB/T 39046 satisfaction code must be 1–5, got 0');
  });
});

describe('DIMENSIONS', () => {
  it('lists the seven dimensions of R3 in order (R3)', () => {
    expect(DIMENSIONS.map((d) => [d.key, d.name])).toEqual([
      ['commitment', '承诺履行'],
      ['attitude', '服务态度'],
      ['materials', '申请材料'],
      ['efficiency', '办事效率'],
      ['trips', '跑趟次数'],
      ['mechanism', '服务机制'],
      ['integrity', '勤政廉洁'],
    ]);
    for (const d of DIMENSIONS) expect(d.nameEn.length).toBeGreaterThan(0);
  });

  it('recognises dimension keys (R3)', () => {
    expect(isDimensionKey('trips')).toBe(true);
    expect(isDimensionKey('speed')).toBe(false);
  });
});

// The tag dictionary's first digit is a level, so its checks live with the levels.
describe('national tag dictionary (tags.data)', () => {
  it('holds the 40 current tags, eight per level, each of its own level (R9)', () => {
    expect(TAG_DICTIONARY_VERSION).toBe('2020');
    expect(NATIONAL_TAGS).toHaveLength(40);
    expect(new Set(NATIONAL_TAGS.map((t) => t.code)).size).toBe(40);
    for (const level of [1, 2, 3, 4, 5] as const) expect(nationalTagsForLevel(level)).toHaveLength(8);
    for (const t of NATIONAL_TAGS) {
      expect(tagLevel(t.code)).toBe(t.level);
      expect(t.name.length).toBeGreaterThan(0);
      expect(t.nameEn.length).toBeGreaterThan(0);
    }
    expect(NATIONAL_TAGS.find((t) => t.code === '110')?.name).toBe('无理由超过法定办理时间');
  });

  it('keeps the retired 2019 set apart from the current codes', () => {
    expect(RETIRED_TAGS).toHaveLength(29);
    const current = new Set(NATIONAL_TAGS.map((t) => t.code));
    for (const t of RETIRED_TAGS) {
      expect(t.version).toBe('2019');
      expect(t.retired).toBe(true);
      expect(current.has(t.code)).toBe(false);
      expect(t.level).toBe(tagLevel(t.code));
    }
  });

  it('accepts a tag only on a rating of its own level (R9)', () => {
    expect(isTagValidForLevel('510', 5)).toBe(true);
    expect(isTagValidForLevel('510', 4)).toBe(false);
    expect(isTagValidForLevel('501', 5)).toBe(false);
    expect(tagLevel('610')).toBeNull();
    expect(tagLevel('51')).toBeNull();
  });
});
