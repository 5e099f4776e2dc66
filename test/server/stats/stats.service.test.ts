import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../server/src/common/actor.js';
import { DomainError } from '../../../server/src/common/errors.js';
import { periodOf } from '../../../server/src/stats/period.logic.js';
import { breakdown, hotTags, overview, trend } from '../../../server/src/stats/stats.service.js';
import {
  CITY,
  countStatements,
  DISTRICT_A,
  DISTRICT_B,
  naive,
  PROVINCE,
  seedCatalog,
  statsApp,
  storeRollups,
  syntheticRatings,
  type StatsApp,
  TOWNSHIP_A1,
  TOWNSHIP_A2,
  type Catalog,
  type SyntheticRating,
} from './stats-fixture.js';

const PUBLIC: Actor = { role: 'public', label: 'public' };
const ADMIN: Actor = { role: 'admin', label: 'user:1' };
const SCREEN: Actor = { role: 'screen', label: 'screen:1', regionCode: CITY };

let app: StatsApp;
let cat: Catalog;
let ratings: SyntheticRating[];

beforeAll(async () => {
  app = await statsApp({ minPublicRatings: 5 });
  cat = await seedCatalog(app.orm);
  ratings = syntheticRatings(1500);
  await storeRollups(app.orm, ratings);
});

afterAll(async () => {
  await app.close();
});

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (err) {
    return err instanceof DomainError ? err.code : `unexpected: ${String(err)}`;
  }
  return undefined;
}

function expectedFigures(list: SyntheticRating[]) {
  const good = list.filter((r) => r.level >= 3).length;
  const defaulted = list.filter((r) => r.isDefault).length;
  const active = list.length - defaulted;
  return {
    total: list.length,
    good,
    bad: list.length - good,
    defaulted,
    active,
    goodRate: good / list.length,
    unratedRate: defaulted / list.length,
    activeGoodRate: list.filter((r) => !r.isDefault && r.level >= 3).length / active,
  };
}

describe('overview', () => {
  it('matches a naive recount on every kind of scope, all-time (R21)', async () => {
    for (const scope of ['T', `R:${CITY}`, `R:${DISTRICT_A}`, `R:${TOWNSHIP_A1}`, `D:${cat.departments.police}`, `I:${cat.items.business}`]) {
      const filter =
        scope === 'T'
          ? {}
          : scope.startsWith('R:')
            ? { regionCode: scope.slice(2) }
            : scope.startsWith('D:')
              ? { departmentId: Number(scope.slice(2)) }
              : { itemId: Number(scope.slice(2)) };
      const o = await overview(app, ADMIN, filter);
      expect(o.scope).toBe(scope);
      expect(o).toMatchObject(expectedFigures(naive(ratings, scope)));
      expect(o.byLevel.reduce((s, l) => s + (l.count ?? 0), 0)).toBe(o.total);
      expect(o.byChannel.reduce((s, c) => s + (c.total ?? 0), 0)).toBe(o.total);
    }
  });

  it('matches a naive recount over Shanghai day ranges (month rows + ragged day rows) and channels', async () => {
    for (const [from, to] of [
      ['2026-09-25', '2026-11-03'],
      ['2026-10-01', '2026-10-31'],
      ['2026-10-05', '2026-10-05'],
      ['2026-10-15', null],
      [null, '2026-10-15'],
    ] as const) {
      const f = from ? Number(from.replaceAll('-', '')) : undefined;
      const t = to ? Number(to.replaceAll('-', '')) : undefined;
      const o = await overview(app, ADMIN, { regionCode: DISTRICT_A, from, to });
      expect(o.total).toBe(naive(ratings, `R:${DISTRICT_A}`, { from: f, to: t }).length);
      const byChannel = await overview(app, ADMIN, { from, to, channel: 'WINDOW' });
      expect(byChannel.total).toBe(naive(ratings, 'T', { from: f, to: t, channel: 'WINDOW' }).length);
    }
  });

  it('keeps consultation ratings out of the handled-case figures and in their own (R10)', async () => {
    const handled = await overview(app, PUBLIC, {});
    const consultation = await overview(app, PUBLIC, { consultation: true });
    expect(handled.total).toBe(naive(ratings, 'T').length);
    expect(consultation.total).toBe(naive(ratings, 'T', { bucket: 'C' }).length);
    expect(consultation.total).toBeGreaterThan(0);
    expect(handled.total! + consultation.total!).toBe(ratings.length);
  });

  it('reports the unrated rate from defaults (R11)', async () => {
    const o = await overview(app, PUBLIC, {});
    const list = naive(ratings, 'T');
    expect(o.unratedRate).toBe(list.filter((r) => r.isDefault).length / list.length);
    expect(o.byChannel.find((c) => c.channel === 'DEFAULT')!.total).toBe(o.defaulted);
  });

  it('counts a joint case once in each department and once in the city above them (R10)', async () => {
    const city = await overview(app, ADMIN, { regionCode: CITY });
    const districts = await breakdown(app, ADMIN, { regionCode: CITY }, 'REGION');
    const sumOfDistricts = districts.rows.reduce((s, r) => s + r.total!, 0);
    const joint = naive(ratings, `R:${CITY}`).filter((r) => r.scopes.includes(`R:${DISTRICT_A}`) && r.scopes.includes(`R:${DISTRICT_B}`)).length;
    expect(joint).toBeGreaterThan(0);
    expect(city.total).toBe(naive(ratings, `R:${CITY}`).length);
    // The city's own departments (police) are in no district; joint ratings count in both districts.
    const cityOnly = naive(ratings, `R:${CITY}`).filter((r) => !r.scopes.includes(`R:${DISTRICT_A}`) && !r.scopes.includes(`R:${DISTRICT_B}`)).length;
    expect(sumOfDistricts).toBe(city.total! - cityOnly + joint);
  });

  it('withholds figures of fewer than the minimum from public callers but not from officials', async () => {
    const rareItem = naive(ratings, `I:${cat.items.rare}`).length;
    expect(rareItem).toBe(0);
    const pub = await overview(app, PUBLIC, { itemId: cat.items.rare });
    expect(pub).toMatchObject({ suppressed: true, total: null, goodRate: null });
    const small = await overview(app, PUBLIC, { regionCode: DISTRICT_A, from: '2026-11-21', to: '2026-11-21' });
    const exact = naive(ratings, `R:${DISTRICT_A}`, { from: 20261121, to: 20261121 }).length;
    expect(small.suppressed).toBe(exact < 5);
    const admin = await overview(app, ADMIN, { itemId: cat.items.rare });
    expect(admin).toMatchObject({ suppressed: false, total: 0, goodRate: null });
  });

  it('stamps answers with a sequence number and a Shanghai time', async () => {
    const o = await overview(app, PUBLIC, {});
    expect(o.seq).toBe(app.clock.now().getTime());
    expect(o.asOf).toBe('2026-11-21T10:00:00+08:00');
  });
});

describe('breakdown', () => {
  it('drills down from the province to the city, its districts and their townships, with names', async () => {
    const roots = await breakdown(app, PUBLIC, {}, 'REGION');
    expect(roots.rows.map((r) => [r.key, r.name, r.regionLevel])).toEqual([[PROVINCE, '示范省', 'PROVINCE']]);
    const districts = await breakdown(app, PUBLIC, { regionCode: CITY }, 'REGION');
    expect(districts.rows.map((r) => r.key).sort()).toEqual([DISTRICT_A, DISTRICT_B]);
    for (const row of districts.rows) expect(row.total).toBe(naive(ratings, `R:${row.key}`).length);
    const townships = await breakdown(app, PUBLIC, { regionCode: DISTRICT_A }, 'REGION');
    expect(townships.rows.map((r) => [r.key, r.name])).toEqual([
      [TOWNSHIP_A1, '东关街道'],
      [TOWNSHIP_A2, '南关街道'],
    ]);
    expect(townships.rows[0]!.total).toBe(naive(ratings, `R:${TOWNSHIP_A1}`).length);
    // A township without ratings is listed, and suppressed for the public.
    expect(townships.rows[1]).toMatchObject({ suppressed: true, total: null });
  });

  it('lists the top departments of a region, or the sub-units of a department', async () => {
    const city = await breakdown(app, PUBLIC, { regionCode: CITY }, 'DEPARTMENT');
    expect(city.rows.map((r) => Number(r.key))).toEqual([cat.departments.police]);
    const police = await breakdown(app, PUBLIC, { departmentId: cat.departments.police }, 'DEPARTMENT');
    expect(police.rows.map((r) => [Number(r.key), r.total])).toEqual([[cat.departments.exitEntry, naive(ratings, `D:${cat.departments.exitEntry}`).length]]);
    const roots = await breakdown(app, PUBLIC, {}, 'DEPARTMENT');
    expect(roots.rows.map((r) => Number(r.key)).sort()).toEqual([cat.departments.police, cat.departments.market, cat.departments.social]);
    const ranked = roots.rows.map((r) => r.total!);
    expect([...ranked].sort((a, b) => b - a)).toEqual(ranked);
  });

  it('splits a scope by channel and lists items of a department subtree', async () => {
    const channels = await breakdown(app, PUBLIC, { departmentId: cat.departments.market }, 'CHANNEL');
    expect(channels.rows.reduce((s, r) => s + r.total!, 0)).toBe(naive(ratings, `D:${cat.departments.market}`).length);
    const items = await breakdown(app, PUBLIC, { departmentId: cat.departments.market }, 'ITEM');
    expect(items.rows.map((r) => Number(r.key)).sort()).toEqual([cat.items.business, cat.items.branchLicence]);
    expect(items.rows.find((r) => Number(r.key) === cat.items.business)!.code).toBe('11419901M0001');
  });

  it('refuses per-staff figures to public callers and screens (FORBIDDEN)', async () => {
    expect(await codeOf(breakdown(app, PUBLIC, { departmentId: cat.departments.market }, 'STAFF'))).toBe('FORBIDDEN');
    expect(await codeOf(breakdown(app, SCREEN, {}, 'STAFF'))).toBe('FORBIDDEN');
    expect(await codeOf(overview(app, PUBLIC, { staffId: cat.staff.wang }))).toBe('FORBIDDEN');
    expect(await codeOf(breakdown(app, PUBLIC, { staffId: cat.staff.wang }, 'CHANNEL'))).toBe('FORBIDDEN');
  });

  it('gives a department officer the staff of their own subtree only, and elsewhere the public figures (R12, R21)', async () => {
    const officer: Actor = { role: 'department', label: 'user:5', departmentId: cat.departments.market, departmentPath: '/3/' };
    const staff = await breakdown(app, officer, {}, 'STAFF');
    expect(staff.scope).toBe(`D:${cat.departments.market}`);
    expect(staff.rows.map((r) => [Number(r.key), r.name]).sort()).toEqual([
      [cat.staff.wang, '王晓明'],
      [cat.staff.li, '李静'],
    ]);
    expect(staff.rows.find((r) => Number(r.key) === cat.staff.wang)!.total).toBe(naive(ratings, `S:${cat.staff.wang}`).length);
    expect((await overview(app, officer, { staffId: cat.staff.li })).total).toBe(naive(ratings, `S:${cat.staff.li}`).length);
    expect(await codeOf(overview(app, officer, { staffId: cat.staff.zhao }))).toBe('FORBIDDEN');
    const strip = <T extends { seq: number; asOf: string }>({ seq: _s, asOf: _a, ...rest }: T) => rest;
    expect(strip(await overview(app, officer, { departmentId: cat.departments.police }))).toEqual(
      strip(await overview(app, PUBLIC, { departmentId: cat.departments.police })),
    );
    expect(strip(await overview(app, officer, { regionCode: DISTRICT_A }))).toEqual(strip(await overview(app, PUBLIC, { regionCode: DISTRICT_A })));
  });

  it('gives a supervisor their region exactly, and elsewhere the public figures (R12, R21)', async () => {
    const supervisor: Actor = { role: 'supervisor', label: 'user:6', regionCode: DISTRICT_A };
    const own = await overview(app, supervisor, {});
    expect(own.scope).toBe(`R:${DISTRICT_A}`);
    expect((await breakdown(app, supervisor, { departmentId: cat.departments.market }, 'STAFF')).rows).toHaveLength(2);
    const strip = <T extends { seq: number; asOf: string }>({ seq: _s, asOf: _a, ...rest }: T) => rest;
    expect(strip(await overview(app, supervisor, { regionCode: CITY }))).toEqual(strip(await overview(app, PUBLIC, { regionCode: CITY })));
    expect(strip(await overview(app, supervisor, { departmentId: cat.departments.social }))).toEqual(
      strip(await overview(app, PUBLIC, { departmentId: cat.departments.social })),
    );
    expect(await codeOf(breakdown(app, supervisor, { departmentId: cat.departments.social }, 'STAFF'))).toBe('FORBIDDEN');
  });
});

describe('trend', () => {
  it('adds up to the overview of the same range, by day and by month (ragged months from day rows)', async () => {
    const filter = { regionCode: CITY, from: '2026-09-25', to: '2026-11-21' };
    const total = (await overview(app, ADMIN, filter)).total;
    const byDay = await trend(app, ADMIN, filter, 'DAY');
    expect(byDay.points).toHaveLength(58);
    expect(byDay.points.reduce((s, p) => s + p.total!, 0)).toBe(total);
    const byMonth = await trend(app, ADMIN, filter, 'MONTH');
    expect(byMonth.points.map((p) => p.period)).toEqual([202609, 202610, 202611]);
    expect(byMonth.points.reduce((s, p) => s + p.total!, 0)).toBe(total);
    expect(byMonth.points[1]!.total).toBe(naive(ratings, `R:${CITY}`, { from: 20261001, to: 20261031 }).length);
  });

  it('gives today by hour by default', async () => {
    const today = await trend(app, ADMIN, {}, 'HOUR');
    expect(today.points).toHaveLength(24);
    expect(today.points[10]!.start).toBe('2026-11-21T10:00:00+08:00');
    const expected = naive(ratings, 'T', { from: 20261121, to: 20261121 }).filter((r) => periodOf(r.ratedAt, 'H') === 2026112110).length;
    expect(today.points[10]!.total).toBe(expected);
  });
});

describe('hotTags', () => {
  it('ranks the tags of a scope with their dictionary names', async () => {
    const top = await hotTags(app, PUBLIC, { departmentId: cat.departments.market }, 3);
    const counts = new Map<string, number>();
    for (const r of naive(ratings, `D:${cat.departments.market}`)) for (const t of r.tags) counts.set(t, (counts.get(t) ?? 0) + 1);
    const expected = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 3);
    expect(top.tags.map((t) => [t.code, t.count])).toEqual(expected);
    expect(top.tags[0]!.name).toMatch(/\S/);
    expect(top.tags[0]!.name).not.toBe(top.tags[0]!.code);
    expect(top.total).toBe(naive(ratings, `D:${cat.departments.market}`).length);
  });

  it('withholds the tags of a scope with fewer ratings than the public minimum', async () => {
    const none = await hotTags(app, PUBLIC, { itemId: cat.items.rare }, 5);
    expect(none).toMatchObject({ suppressed: true, total: null, tags: [] });
  });
});

describe('big-screen queries read a small constant number of statements', () => {
  it('overview: 1, breakdown: 1, trend: 1, hot tags: 2 (plus 1 catalog lookup for an official on a department)', async () => {
    await hotTags(app, PUBLIC, {}, 10); // loads the tag dictionary once per process
    const counted = async (fn: () => Promise<unknown>) => (await countStatements(app.orm, fn)).statements.length;
    expect(await counted(() => overview(app, SCREEN, { regionCode: CITY }))).toBe(1);
    expect(await counted(() => breakdown(app, SCREEN, { regionCode: CITY }, 'REGION'))).toBe(1);
    expect(await counted(() => breakdown(app, SCREEN, { regionCode: CITY }, 'DEPARTMENT'))).toBe(1);
    expect(await counted(() => breakdown(app, SCREEN, {}, 'ITEM'))).toBe(1);
    expect(await counted(() => breakdown(app, SCREEN, {}, 'CHANNEL'))).toBe(1);
    expect(await counted(() => trend(app, SCREEN, {}, 'HOUR'))).toBe(1);
    expect(await counted(() => hotTags(app, SCREEN, {}, 10))).toBe(2);
    const officer: Actor = { role: 'department', label: 'user:5', departmentId: cat.departments.market, departmentPath: '/3/' };
    expect(await counted(() => breakdown(app, officer, {}, 'STAFF'))).toBe(2);
  });

  it('never reads the ratings table', async () => {
    const { statements } = await countStatements(app.orm, async () => {
      await overview(app, PUBLIC, { from: '2026-10-03', to: '2026-11-19' });
      await breakdown(app, PUBLIC, { regionCode: CITY }, 'REGION');
      await trend(app, PUBLIC, {}, 'MONTH');
      await hotTags(app, PUBLIC, {}, 5);
    });
    expect(statements.length).toBe(5);
    for (const sql of statements) expect(sql).not.toMatch(/\brating\b/);
  });
});
