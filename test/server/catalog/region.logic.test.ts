import { describe, it, expect } from 'vitest';
import {
  explainRegionCode,
  isValidRegionCode,
  isWithinRegion,
  normalizeRegionCode,
  regionAncestors,
  regionLevelOf,
  regionParentOf,
} from '../../../server/src/catalog/region.logic.js';

// Beijing, 东城区, a street of 东城区 and one of its communities; 东莞 has no county level.
const PROVINCE = '110000000000';
const CITY = '110100000000';
const DISTRICT = '110101000000';
const TOWNSHIP = '110101001000';
const VILLAGE = '110101001001';
const COUNTYLESS_CITY = '441900000000';
const COUNTYLESS_TOWNSHIP = '441900003000';

describe('regionLevelOf', () => {
  it('reads the four levels below the province from the last non-zero segment (R4)', () => {
    expect(regionLevelOf(PROVINCE)).toBe('PROVINCE');
    expect(regionLevelOf(CITY)).toBe('CITY');
    expect(regionLevelOf(DISTRICT)).toBe('DISTRICT');
    expect(regionLevelOf(TOWNSHIP)).toBe('TOWNSHIP');
    expect(regionLevelOf(VILLAGE)).toBe('VILLAGE');
  });

  it('treats a township of a city without counties as a township (R4)', () => {
    expect(regionLevelOf(COUNTYLESS_TOWNSHIP)).toBe('TOWNSHIP');
  });

  it('throws on a malformed code instead of guessing a level', () => {
    expect(() => regionLevelOf('110101')).toThrow("region code must be 12 digits, got '110101'");
  });
});

describe('isValidRegionCode', () => {
  it('accepts codes of every level (R4)', () => {
    for (const code of [PROVINCE, CITY, DISTRICT, TOWNSHIP, VILLAGE, COUNTYLESS_TOWNSHIP]) {
      expect(isValidRegionCode(code)).toBe(true);
    }
  });

  it.each([
    ['11010100100', 'too short'],
    ['1101010010011', 'too long'],
    ['11010100100a', 'not digits'],
    ['000000000000', 'no province'],
    ['110001000000', 'a district under a zero city'],
    ['110101000001', 'a village under a zero township'],
  ])("rejects '%s' (%s)", (code) => {
    expect(isValidRegionCode(code)).toBe(false);
  });

  it('explains what is wrong', () => {
    expect(explainRegionCode(VILLAGE)).toBeNull();
    expect(explainRegionCode('110101000001')).toBe("region code has a zero township segment above a non-zero one, got '110101000001'");
  });
});

describe('regionParentOf', () => {
  it('goes one level up, and a province has no parent (R4)', () => {
    expect(regionParentOf(VILLAGE)).toBe(TOWNSHIP);
    expect(regionParentOf(TOWNSHIP)).toBe(DISTRICT);
    expect(regionParentOf(DISTRICT)).toBe(CITY);
    expect(regionParentOf(CITY)).toBe(PROVINCE);
    expect(regionParentOf(PROVINCE)).toBeNull();
  });

  it('skips the missing county level of a city without counties (R4)', () => {
    expect(regionParentOf(COUNTYLESS_TOWNSHIP)).toBe(COUNTYLESS_CITY);
  });
});

describe('regionAncestors', () => {
  it('lists the chain from the province down to the code itself (R4)', () => {
    expect(regionAncestors(VILLAGE)).toEqual([PROVINCE, CITY, DISTRICT, TOWNSHIP, VILLAGE]);
    expect(regionAncestors(PROVINCE)).toEqual([PROVINCE]);
    expect(regionAncestors(COUNTYLESS_TOWNSHIP)).toEqual(['440000000000', COUNTYLESS_CITY, COUNTYLESS_TOWNSHIP]);
  });
});

describe('normalizeRegionCode', () => {
  it('pads 6- and 9-digit codes to 12 digits and keeps 12-digit ones (R4)', () => {
    expect(normalizeRegionCode('110101')).toBe(DISTRICT);
    expect(normalizeRegionCode('110101001')).toBe(TOWNSHIP);
    expect(normalizeRegionCode(VILLAGE)).toBe(VILLAGE);
    expect(normalizeRegionCode(' 110101 ')).toBe(DISTRICT);
  });

  it('throws a clear error for non-digits, other lengths and impossible codes', () => {
    expect(() => normalizeRegionCode('11010a')).toThrow("region code must contain only digits, got '11010a'");
    expect(() => normalizeRegionCode('')).toThrow("region code must contain only digits, got ''");
    expect(() => normalizeRegionCode('1101011')).toThrow("region code must be 6, 9 or 12 digits, got 7 ('1101011')");
    expect(() => normalizeRegionCode('000000')).toThrow('non-zero province');
  });
});

describe('isWithinRegion', () => {
  it('contains the region itself and everything below it (R4)', () => {
    expect(isWithinRegion(DISTRICT, DISTRICT)).toBe(true);
    expect(isWithinRegion(VILLAGE, PROVINCE)).toBe(true);
    expect(isWithinRegion(VILLAGE, DISTRICT)).toBe(true);
    expect(isWithinRegion(COUNTYLESS_TOWNSHIP, COUNTYLESS_CITY)).toBe(true);
  });

  it('excludes siblings, ancestors and other provinces (R4)', () => {
    expect(isWithinRegion('110102000000', DISTRICT)).toBe(false);
    expect(isWithinRegion(CITY, DISTRICT)).toBe(false);
    expect(isWithinRegion(VILLAGE, '120000000000')).toBe(false);
  });

  it('throws on a malformed code rather than answer a scope check wrongly', () => {
    expect(() => isWithinRegion('1101', PROVINCE)).toThrow('region code must be 12 digits');
    expect(() => isWithinRegion(VILLAGE, '11')).toThrow('region code must be 12 digits');
  });
});
