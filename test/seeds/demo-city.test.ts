import { describe, it, expect } from 'vitest';
import {
  DEPARTMENTS_PER_DISTRICT,
  generateDemoCatalog,
  generateDemoHistory,
  idCardCheckChar,
  type DemoHistoryRecord,
  type DemoRatingChannel,
} from '../../seeds/demo-city.js';
import { isValidCreditCode, organizationCodeCheckChar } from '../../server/src/catalog/credit-code.logic.js';
import { isValidRegionCode, isWithinRegion, regionLevelOf, regionParentOf } from '../../server/src/catalog/region.logic.js';
import { isTagValidForLevel } from '../../server/src/catalog/tags.data.js';
import { isDimensionKey } from '../../server/src/catalog/levels.logic.js';

const catalog = generateDemoCatalog();
const countBy = <T>(items: T[], key: (t: T) => string): Map<string, number> => {
  const m = new Map<string, number>();
  for (const t of items) m.set(key(t), (m.get(key(t)) ?? 0) + 1);
  return m;
};
const timeOf = (r: DemoHistoryRecord): number => (r.type === 'case' ? r.acceptedAt.getTime() : r.type === 'service' ? r.completedAt.getTime() : r.at.getTime());

describe('idCardCheckChar', () => {
  it('matches the worked examples of GB 11643', () => {
    expect(idCardCheckChar('11010519491231002')).toBe('X');
    expect(idCardCheckChar('44052418800101001')).toBe('4');
  });
});

describe('generateDemoCatalog', () => {
  it('is deterministic per seed', () => {
    expect(generateDemoCatalog()).toEqual(catalog);
    expect(generateDemoCatalog({ seed: 7 })).toEqual(generateDemoCatalog({ seed: 7 }));
    expect(generateDemoCatalog({ seed: 7 }).staff).not.toEqual(catalog.staff);
  });

  it('builds a city of 16 districts, 4–8 townships each and 2–4 villages per township (R4)', () => {
    const { city } = catalog;
    expect(regionLevelOf(city.code)).toBe('CITY');
    expect(city.districts).toHaveLength(16);
    for (const d of city.districts) {
      expect(d.townships.length).toBeGreaterThanOrEqual(4);
      expect(d.townships.length).toBeLessThanOrEqual(8);
      for (const t of d.townships) {
        expect(t.villages.length).toBeGreaterThanOrEqual(2);
        expect(t.villages.length).toBeLessThanOrEqual(4);
      }
    }
  });

  it('gives every region a valid, unique code whose level and parent agree with the tree (R4)', () => {
    const codes = new Set(catalog.regions.map((r) => r.code));
    expect(codes.size).toBe(catalog.regions.length);
    const townships = catalog.city.districts.flatMap((d) => d.townships);
    expect(new Set(townships.map((t) => t.name)).size).toBe(townships.length);
    for (const t of townships) expect(new Set(t.villages.map((v) => v.name)).size).toBe(t.villages.length);
    for (const r of catalog.regions) {
      expect(isValidRegionCode(r.code), r.code).toBe(true);
      expect(regionLevelOf(r.code)).toBe(r.level);
      if (r.parentCode !== null) expect(regionParentOf(r.code)).toBe(r.parentCode);
      expect(isWithinRegion(r.code, catalog.city.code)).toBe(true);
    }
    expect(countBy(catalog.regions, (r) => r.level).get('DISTRICT')).toBe(16);
  });

  it('has 48 city-level departments plus sub-units, and 50 per district (R4: Tianjin 48 and 811)', () => {
    const cityLevel = catalog.departments.filter((d) => d.regionCode === catalog.city.code);
    expect(cityLevel.filter((d) => !d.parentKey)).toHaveLength(48);
    expect(cityLevel.length).toBeLessThanOrEqual(56);
    for (const d of catalog.city.districts) {
      const inDistrict = catalog.departments.filter((x) => isWithinRegion(x.regionCode, d.code));
      expect(inDistrict).toHaveLength(DEPARTMENTS_PER_DISTRICT);
      expect(inDistrict.filter((x) => x.name.endsWith('便民服务中心'))).toHaveLength(d.townships.length);
    }
    expect(catalog.departments.length - cityLevel.length).toBe(800);
    expect(cityLevel.map((d) => d.name)).toEqual(
      expect.arrayContaining(['河清市公安局', '河清市公安局出入境管理支队', '河清市公安局交通警察支队', '河清市税务局', '河清市市场监督管理局']),
    );
  });

  it('gives every department a valid, unique credit code of a government body in its region (R25)', () => {
    const keys = new Set(catalog.departments.map((d) => d.key));
    expect(keys.size).toBe(catalog.departments.length);
    expect(new Set(catalog.departments.map((d) => d.creditCode)).size).toBe(catalog.departments.length);
    for (const d of catalog.departments) {
      expect(isValidCreditCode(d.creditCode), d.creditCode).toBe(true);
      expect(organizationCodeCheckChar(d.creditCode.slice(8, 16))).toBe(d.creditCode.charAt(16));
      expect(d.creditCode.slice(0, 8)).toBe(`11${d.regionCode.slice(0, 6)}`);
      if (d.parentKey) expect(keys.has(d.parentKey)).toBe(true);
    }
  });

  it('puts a hall in the city, every district and every township, with windows, staff and terminals (R4, R7)', () => {
    const townships = catalog.city.districts.flatMap((d) => d.townships);
    expect(catalog.halls).toHaveLength(1 + 16 + townships.length);
    const depts = new Map(catalog.departments.map((d) => [d.key, d]));
    const windowsPerHall = countBy(catalog.windows, (w) => w.hallKey);
    for (const h of catalog.halls) {
      const n = windowsPerHall.get(h.key) ?? 0;
      const township = regionLevelOf(h.regionCode) === 'TOWNSHIP';
      expect(n).toBeGreaterThanOrEqual(township ? 2 : 6);
      expect(n).toBeLessThanOrEqual(township ? 3 : 20);
      expect(catalog.terminals.some((t) => t.hallKey === h.key)).toBe(true);
    }
    for (const w of catalog.windows) {
      expect(w.no).toMatch(/^[A-C]\d\d$/);
      expect(depts.get(w.departmentKey)?.regionCode).toBe(catalog.halls.find((h) => h.key === w.hallKey)?.regionCode);
    }
    const staffPerWindow = countBy(catalog.staff, (s) => s.windowKey);
    for (const w of catalog.windows) {
      expect(staffPerWindow.get(w.key)).toBeGreaterThanOrEqual(2);
      expect(staffPerWindow.get(w.key)).toBeLessThanOrEqual(4);
    }
    expect(new Set(catalog.staff.map((s) => s.workNo)).size).toBe(catalog.staff.length);
    for (const s of catalog.staff) {
      expect(s.workNo).toMatch(/^\d{7}$/);
      expect(s.name).toMatch(/^[\u4e00-\u9fff]{2,3}$/);
    }
  });

  it('gives every department 3–8 items with unique codes that carry its credit code (R1, R25)', () => {
    const perDept = countBy(catalog.items, (i) => i.departmentKey);
    for (const d of catalog.departments) {
      expect(perDept.get(d.key)).toBeGreaterThanOrEqual(3);
      expect(perDept.get(d.key)).toBeLessThanOrEqual(8);
    }
    expect(new Set(catalog.items.map((i) => i.taskCode)).size).toBe(catalog.items.length);
    expect(new Set(catalog.items.map((i) => i.handleItemCode)).size).toBe(catalog.items.length);
    const creditOf = new Map(catalog.departments.map((d) => [d.key, d.creditCode]));
    for (const i of catalog.items) {
      expect(i.taskCode.length).toBeLessThanOrEqual(24);
      expect(i.taskCode.startsWith(creditOf.get(i.departmentKey)!)).toBe(true);
      expect(['00', '01', '02', '03', '04', '05', '06', '07', '08', '09', '10', '20']).toContain(i.itemType);
    }
    const names = new Set(catalog.items.map((i) => i.name));
    for (const n of ['居民身份证换领', '个体工商户设立登记', '社会保障卡申领', '不动产转移登记', '建设工程规划许可证核发', '机动车驾驶证换证']) {
      expect(names.has(n), n).toBe(true);
    }
  });
});

describe('generateDemoHistory', () => {
  const endAt = new Date('2022-07-31T16:00:00Z');
  const RATINGS = 200_000;
  const DAYS = 120;

  // One pass collects everything the assertions below need, without keeping the records.
  const stats = (() => {
    const s = {
      ratings: 0,
      defaults: 0,
      bad: 0,
      unordered: 0,
      badWithoutReason: 0,
      invalidTags: 0,
      invalidDims: 0,
      outsideWindow: 0,
      unknownService: 0,
      ratedTwice: 0,
      wrongDefault: 0,
      badIdCards: 0,
      ratingsOnBatchFollowers: 0,
      cases: 0,
      workingHourCases: 0,
      channels: new Map<DemoRatingChannel, number>(),
      kinds: new Map<string, number>(),
      jointSizes: new Set<number>(),
      comments: 0,
    };
    const services = new Map<string, number>();
    const rated = new Set<string>();
    const batchFollowers = new Set<string>();
    const firstOfBatch = new Set<string>();
    let last = -Infinity;
    for (const r of generateDemoHistory(catalog, { ratings: RATINGS, endAt, days: DAYS, seed: 11 })) {
      const t = timeOf(r);
      if (t < last) s.unordered++;
      last = t;
      if (r.type === 'case') {
        s.cases++;
        s.kinds.set(r.kind, (s.kinds.get(r.kind) ?? 0) + 1);
        if (r.kind === 'JOINT') s.jointSizes.add(new Set(r.units.map((u) => u.departmentKey)).size);
        if (r.batchNo && firstOfBatch.has(r.batchNo)) batchFollowers.add(r.projectNo);
        else if (r.batchNo) firstOfBatch.add(r.batchNo);
        if (idCardCheckChar(r.applicant.certNo.slice(0, 17)) !== r.applicant.certNo.charAt(17)) s.badIdCards++;
        const local = new Date(t + 8 * 3_600_000);
        const h = local.getUTCHours();
        const weekday = local.getUTCDay() >= 1 && local.getUTCDay() <= 5;
        if (weekday && ((h >= 9 && h < 12) || (h >= 14 && h < 17))) s.workingHourCases++;
      } else if (r.type === 'service') {
        services.set(`${r.projectNo}#${r.serviceNumber}`, r.completedAt.getTime());
      } else {
        const key = `${r.projectNo}#${r.serviceNumber}`;
        s.ratings++;
        s.channels.set(r.channel, (s.channels.get(r.channel) ?? 0) + 1);
        if (!services.has(key)) s.unknownService++;
        if (rated.has(key)) s.ratedTwice++;
        rated.add(key);
        if (batchFollowers.has(r.projectNo)) s.ratingsOnBatchFollowers++;
        if (t > endAt.getTime() || t < endAt.getTime() - DAYS * 86_400_000) s.outsideWindow++;
        if (r.isDefault) {
          s.defaults++;
          const ok = r.level === 3 && r.channel === 'DEFAULT' && r.tags.length === 0 && t - services.get(key)! === 7 * 86_400_000;
          if (!ok) s.wrongDefault++;
        }
        if (r.level <= 2) {
          s.bad++;
          if (r.tags.length === 0 && !r.comment) s.badWithoutReason++;
        }
        if (r.comment) s.comments++;
        if (r.tags.some((tag) => !isTagValidForLevel(tag, r.level))) s.invalidTags++;
        if (r.dimensions && Object.entries(r.dimensions).some(([k, v]) => !isDimensionKey(k) || v < 1 || v > 5)) s.invalidDims++;
      }
    }
    return s;
  })();

  it('yields exactly the requested number of ratings, in time order, inside the window', () => {
    expect(stats.ratings).toBe(RATINGS);
    expect(stats.unordered).toBe(0);
    expect(stats.outsideWindow).toBe(0);
  });

  it('rates only known services, each once; a batch is rated once, on its first case (R9, R10)', () => {
    expect(stats.unknownService).toBe(0);
    expect(stats.ratedTwice).toBe(0);
    expect(stats.ratingsOnBatchFollowers).toBe(0);
  });

  it("follows Tianjin's profile: ≈99.9% good and ≈16.6% defaults (R24, R11)", () => {
    const goodRate = 1 - stats.bad / stats.ratings;
    expect(goodRate).toBeGreaterThanOrEqual(0.998);
    expect(goodRate).toBeLessThanOrEqual(0.9995);
    const defaultShare = stats.defaults / stats.ratings;
    expect(defaultShare).toBeGreaterThanOrEqual(0.15);
    expect(defaultShare).toBeLessThanOrEqual(0.18);
  });

  it('records defaults as 基本满意 on the DEFAULT channel exactly 7 days after completion (R11)', () => {
    expect(stats.wrongDefault).toBe(0);
  });

  it('gives every bad review a tag or a comment, and only tags of the rating level (R9)', () => {
    expect(stats.bad).toBeGreaterThan(0);
    expect(stats.badWithoutReason).toBe(0);
    expect(stats.invalidTags).toBe(0);
    expect(stats.invalidDims).toBe(0);
    expect(stats.comments).toBeGreaterThan(0);
  });

  it('follows the channel mix: terminals ≈40%, mobile ≈26%, PC ≈18%, window ≈16% of active ratings (R5)', () => {
    const active = stats.ratings - stats.defaults;
    const share = (...chs: DemoRatingChannel[]): number => chs.reduce((n, c) => n + (stats.channels.get(c) ?? 0), 0) / active;
    expect(share('TERMINAL')).toBeCloseTo(0.39, 1);
    expect(share('APP', 'MINI_PROGRAM')).toBeCloseTo(0.25, 1);
    expect(share('PC')).toBeCloseTo(0.17, 1);
    expect(share('WINDOW')).toBeCloseTo(0.15, 1);
    for (const c of ['QR', 'SMS', 'HOTLINE', 'IMPORT'] as const) expect(stats.channels.get(c)).toBeGreaterThan(0);
  });

  it('is mostly ordinary cases, with batch, joint (2–3 departments), theme and consultation cases (R10)', () => {
    expect(stats.kinds.get('ORDINARY')! / stats.cases).toBeGreaterThan(0.7);
    for (const k of ['BATCH', 'JOINT', 'THEME', 'CONSULTATION']) expect(stats.kinds.get(k)).toBeGreaterThan(0);
    expect([...stats.jointSizes].every((n) => n >= 2 && n <= 3)).toBe(true);
    expect(stats.ratings / stats.cases).toBeGreaterThan(1.05);
  });

  it('accepts most cases in office hours on working days, Asia/Shanghai', () => {
    expect(stats.workingHourCases / stats.cases).toBeGreaterThan(0.7);
  });

  it('gives applicants resident IDs with a correct check character (R12)', () => {
    expect(stats.badIdCards).toBe(0);
  });

  it('is deterministic per seed', () => {
    const take = (seed: number): DemoHistoryRecord[] => {
      const out: DemoHistoryRecord[] = [];
      for (const r of generateDemoHistory(catalog, { ratings: 2_000, endAt, days: 10, seed })) out.push(r);
      return out;
    };
    expect(take(3)).toEqual(take(3));
    expect(take(4)).not.toEqual(take(3));
  });

  it('handles zero ratings and rejects impossible options', () => {
    expect([...generateDemoHistory(catalog, { ratings: 0, endAt })]).toEqual([]);
    expect(() => [...generateDemoHistory(catalog, { ratings: -1, endAt })]).toThrow('ratings must be a non-negative integer, got -1');
    expect(() => [...generateDemoHistory(catalog, { ratings: 1, endAt, days: 0 })]).toThrow('days must be positive, got 0');
  });
});
