import { describe, expect, it } from 'vitest';
import type { BreakdownRow } from '../../dashboard/src/api/types.js';
import { canDrill, isWithin, nextScrollOffset, parentRegion, regionPath, screenScope, stageFit } from '../../dashboard/src/screen/screen.logic.js';

const CITY = '419900000000';
const DISTRICT = '419901000000';
const TOWNSHIP = '419901001000';

describe('stageFit', () => {
  it('scales the 1920×1080 design uniformly to the viewport', () => {
    expect(stageFit(1920, 1080)).toEqual({ scale: 1, left: 0, top: 0 });
    expect(stageFit(3840, 2160)).toEqual({ scale: 2, left: 0, top: 0 });
    expect(stageFit(1280, 720)).toEqual({ scale: 2 / 3, left: 0, top: 0 });
  });

  it('letterboxes ultrawide and tall screens, centred', () => {
    expect(stageFit(2560, 1080)).toEqual({ scale: 1, left: 320, top: 0 });
    expect(stageFit(1920, 1200)).toEqual({ scale: 1, left: 0, top: 60 });
    expect(stageFit(0, 0)).toEqual({ scale: 1, left: 0, top: 0 });
  });
});

const row = (key: string, total: number | null, goodRate: number | null, suppressed = false): BreakdownRow => ({
  key,
  name: key,
  code: null,
  regionLevel: null,
  total,
  good: total !== null && goodRate !== null ? Math.round(total * goodRate) : null,
  bad: null,
  goodRate,
  suppressed,
});

describe('region codes', () => {
  it('finds the parent by zeroing the last significant segment', () => {
    expect(parentRegion(TOWNSHIP)).toBe(DISTRICT);
    expect(parentRegion(DISTRICT)).toBe(CITY);
    expect(parentRegion(CITY)).toBe('410000000000');
    expect(parentRegion('410000000000')).toBeNull();
    expect(parentRegion('441900003000')).toBe('441900000000');
    expect(parentRegion('bad')).toBeNull();
  });

  it('builds the drill-down path from the top region', () => {
    expect(regionPath(TOWNSHIP, CITY)).toEqual([CITY, DISTRICT, TOWNSHIP]);
    expect(regionPath(CITY, CITY)).toEqual([CITY]);
  });

  it('knows which regions lie within another', () => {
    expect(isWithin(TOWNSHIP, CITY)).toBe(true);
    expect(isWithin(DISTRICT, DISTRICT)).toBe(true);
    expect(isWithin('419902000000', DISTRICT)).toBe(false);
    expect(isWithin('420100000000', CITY)).toBe(false);
  });

  it('drills only into regions that have smaller ones', () => {
    expect(canDrill({ ...row(DISTRICT, 1, 1), regionLevel: 'DISTRICT' })).toBe(true);
    expect(canDrill({ ...row('419901001001', 1, 1), regionLevel: 'VILLAGE' })).toBe(false);
    expect(canDrill(row('12', 1, 1))).toBe(false);
  });
});

describe('screenScope', () => {
  const top = [{ code: CITY, name: '河清市', level: 'CITY' }];

  it('uses the URL, else the only top-level region, else everything', () => {
    expect(screenScope({ region: DISTRICT }, null, top)).toEqual({ regionCode: DISTRICT });
    expect(screenScope({ department: '7' }, null, top)).toEqual({ departmentId: 7 });
    expect(screenScope({}, null, top)).toEqual({ regionCode: CITY });
    expect(screenScope({}, null, [...top, { code: '420100000000', name: '别市', level: 'CITY' }])).toEqual({});
    expect(screenScope({ region: 'nonsense' }, null, top)).toEqual({ regionCode: CITY });
  });

  it('keeps a token-locked screen inside its scope whatever the URL says', () => {
    expect(screenScope({ region: '420100000000' }, { regionCode: DISTRICT }, top)).toEqual({ regionCode: DISTRICT });
    expect(screenScope({ region: TOWNSHIP }, { regionCode: DISTRICT }, top)).toEqual({ regionCode: TOWNSHIP });
    expect(screenScope({ department: '9' }, { regionCode: DISTRICT }, top)).toEqual({ regionCode: DISTRICT });
    expect(screenScope({ region: DISTRICT }, { departmentId: 4 }, top)).toEqual({ departmentId: 4 });
  });
});

describe('nextScrollOffset', () => {
  it('advances with elapsed time and wraps at the list height (the list is drawn twice)', () => {
    expect(nextScrollOffset(0, 200, 30, 600, 400)).toBe(6);
    expect(nextScrollOffset(598, 200, 30, 600, 400)).toBe(4);
  });

  it('stands still when everything fits and never jumps after a stall (a hidden tab, a busy frame)', () => {
    expect(nextScrollOffset(120, 1000, 30, 300, 400)).toBe(0);
    expect(nextScrollOffset(0, 60_000, 30, 600, 400)).toBe(7.5);
  });
});
