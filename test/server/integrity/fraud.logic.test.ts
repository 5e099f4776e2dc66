import { describe, expect, it } from 'vitest';
import {
  burstClusters,
  detectOutliers,
  isOutsideHours,
  normalizeComment,
  parseOpeningHours,
  robustZ,
  type DepartmentTotals,
  type FraudThresholds,
} from '../../../server/src/integrity/fraud.logic.js';

const T: FraudThresholds = {
  burstCount: 5,
  burstMinutes: 10,
  commentMinChars: 15,
  commentMinCases: 3,
  offHoursGraceMinutes: 30,
  offHoursMinRatings: 3,
  outlierZ: 3.5,
  outlierMinRatings: 100,
  outlierMinPeers: 5,
};

/** An instant given in Asia/Shanghai local time. */
const local = (y: number, m: number, d: number, hh: number, mm = 0) => Date.UTC(y, m - 1, d, hh - 8, mm);

describe('burst clusters (R18)', () => {
  it('flags every item of a window holding enough items, and splits clusters by the window', () => {
    const at = (min: number) => ({ ratedAt: min * 60_000 });
    const items = [0, 1, 2, 3, 4, 30, 31, 32, 33, 60, 61, 62, 63, 64, 65].map(at);
    const clusters = burstClusters(items, 5, 10 * 60_000);
    expect(clusters.map((c) => c.map((i) => i.ratedAt / 60_000))).toEqual([
      [0, 1, 2, 3, 4],
      [60, 61, 62, 63, 64, 65],
    ]);
  });
  it('a window of exactly the limit counts; one minute more does not', () => {
    const at = (min: number) => ({ ratedAt: min * 60_000 });
    expect(burstClusters([0, 2.5, 5, 7.5, 10].map(at), 5, 10 * 60_000)).toHaveLength(1);
    expect(burstClusters([0, 2.75, 5.5, 8.25, 11].map(at), 5, 10 * 60_000)).toHaveLength(0);
  });
});

describe('opening hours (R18)', () => {
  it('parses weekdays and hours, and refuses nonsense', () => {
    expect(parseOpeningHours('1-5 08:30-17:30')).toEqual({ days: new Set([1, 2, 3, 4, 5]), opensMin: 510, closesMin: 1050 });
    expect(parseOpeningHours('1-5,7 09:00-12:00')!.days).toEqual(new Set([1, 2, 3, 4, 5, 7]));
    expect(parseOpeningHours('weekdays')).toBeNull();
    expect(parseOpeningHours('1-5 18:00-08:00')).toBeNull();
  });
  it('judges an instant in Shanghai time, with grace, weekends closed', () => {
    const h = parseOpeningHours('1-5 08:30-17:30')!;
    // 2026-11-20 is a Friday, 2026-11-21 a Saturday.
    expect(isOutsideHours(local(2026, 11, 20, 10), h, 30)).toBe(false);
    expect(isOutsideHours(local(2026, 11, 20, 8, 1), h, 30)).toBe(false);
    expect(isOutsideHours(local(2026, 11, 20, 7, 59), h, 30)).toBe(true);
    expect(isOutsideHours(local(2026, 11, 20, 17, 59), h, 30)).toBe(false);
    expect(isOutsideHours(local(2026, 11, 20, 18, 0), h, 30)).toBe(true);
    expect(isOutsideHours(local(2026, 11, 21, 10), h, 30)).toBe(true);
  });
});

describe('comments and robust z-scores', () => {
  it('normalizes comments by dropping spaces and punctuation', () => {
    expect(normalizeComment('办事 效率高，点赞！ OK')).toBe('办事效率高点赞ok');
  });
  it('robust z is 0.6745·(x − median)/MAD, and undefined without spread', () => {
    // median 3, deviations 2 1 0 1 2 → MAD 1
    expect(robustZ([1, 2, 3, 4, 5])).toEqual([-1.349, -0.6745, 0, 0.6745, 1.349].map((v) => expect.closeTo(v, 6)));
    expect(robustZ([1, 1, 1, 5])).toEqual([null, null, null, null]);
  });
});

describe('department outliers (R18)', () => {
  const dept = (id: number, ratings: number, good: number, services: number): DepartmentTotals => ({
    departmentId: id,
    departmentPath: `/${id}/`,
    departmentName: `部门${id}`,
    regionCode: '419900000000',
    ratings,
    good,
    services,
  });
  const peers = [dept(1, 200, 180, 400), dept(2, 200, 184, 420), dept(3, 200, 176, 380), dept(4, 200, 182, 410), dept(5, 200, 178, 390)];

  it('flags a department whose good rate is far above its peers', () => {
    const found = detectOutliers([...peers, dept(6, 200, 200, 400)], T, '2026-11');
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ kind: 'OUTLIER_DEPARTMENT', departmentId: 6, ratingIds: [], detail: { metric: 'GOOD_RATE' } });
    expect(found[0]!.explanation).toContain('好评率为100.0%');
  });
  it('flags a department whose rating rate is far above its peers', () => {
    const found = detectOutliers([...peers, dept(6, 400, 362, 410)], T, '2026-11');
    expect(found.map((f) => (f.detail as { metric: string }).metric)).toEqual(['RATING_RATE']);
  });
  it('compares nobody with too few ratings or too few peers', () => {
    expect(detectOutliers([...peers, dept(6, 50, 50, 50)], T, '2026-11')).toEqual([]);
    expect(detectOutliers([...peers.slice(0, 3), dept(6, 200, 200, 400)], T, '2026-11')).toEqual([]);
  });
  it('flags nothing among ordinary peers', () => {
    expect(detectOutliers(peers, T, '2026-11')).toEqual([]);
  });
});
