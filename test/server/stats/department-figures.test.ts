import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

const FIGURES = operation('department-figures');

interface Figures {
  overview: {
    scope: string;
    total: number;
    good: number;
    bad: number;
    byLevel: Array<{ level: number; count: number }>;
    byChannel: Array<{ channel: string; total: number }>;
  };
  trend: { granularity?: string; points: Array<{ start?: string; total: number | null }> };
  items: { rows: Array<{ name: string; total: number }> };
  staff: { rows: Array<{ name: string; total: number }> } | null;
  hotTags: { tags: Array<{ code: string; count: number }> };
  dimensions: { dimensions: Array<{ key: string; name: string; rated: number | null; average: number | null; goodRate: number | null }> };
}

let server: TestServer;
let fx: Fixture;
let market: string;
let police: string;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
  market = await sessionToken(server, 'market', 'market-pass');
  police = await sessionToken(server, 'police', 'police-pass');
  for (const level of [5, 4, 1]) {
    const service = await newService(server, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    const dimensions = [{ key: 'attitude', level }, ...(level === 5 ? [{ key: 'efficiency', level: 4 }] : [])];
    const res = await submit(
      server,
      { ...service, level, dimensions, ...(level === 1 ? { tags: ['115'], comment: '等候时间太长' } : {}) },
      { apiKey: fx.keys.market },
    );
    expect(res.errors).toBeUndefined();
  }
});
afterAll(async () => {
  await server.close();
});

describe("a department's own figures in the workspace (R21, R22)", () => {
  it('gives the officer its overview, levels, channels, trend, items, staff and hot tags', async () => {
    const res = await server.gql<Figures>(FIGURES, { filter: { departmentId: fx.departments.market.id }, staff: true }, { token: market });
    expect(res.errors).toBeUndefined();
    const f = res.data!;
    expect(f.overview).toMatchObject({ scope: `D:${fx.departments.market.id}`, total: 3, good: 2, bad: 1 });
    expect(f.overview.byLevel.find((l) => l.level === 1)?.count).toBe(1);
    expect(f.overview.byChannel.reduce((n, c) => n + c.total, 0)).toBe(3);
    expect(f.trend.points.reduce((n, p) => n + (p.total ?? 0), 0)).toBe(3);
    expect(f.items.rows.map((r) => [r.name, r.total])).toEqual([[fx.items.business.name, 3]]);
    expect(f.staff?.rows.map((r) => [r.name, r.total])).toEqual([['王晓明', 3]]);
    expect(f.hotTags.tags.map((t) => [t.code, t.count])).toEqual([['115', 1]]);
    // R3: attitude scored 5, 4 and 1 (mean 10/3, 2 of 3 good); efficiency once, 4; the other five never.
    const dims = Object.fromEntries(f.dimensions.dimensions.map((d) => [d.key, d]));
    expect(f.dimensions.dimensions.map((d) => d.key)).toEqual(['commitment', 'attitude', 'materials', 'efficiency', 'trips', 'mechanism', 'integrity']);
    expect(dims.attitude).toMatchObject({ name: '服务态度', rated: 3, goodRate: 2 / 3 });
    expect(dims.attitude!.average).toBeCloseTo(10 / 3, 10);
    expect(dims.efficiency).toMatchObject({ rated: 1, average: 4, goodRate: 1 });
    expect(dims.trips).toMatchObject({ rated: 0, average: null });
  });

  it("refuses another department's per-staff figures to an officer (R12)", async () => {
    const res = await server.gql<Figures>(FIGURES, { filter: { departmentId: fx.departments.market.id }, staff: true }, { token: police });
    expect(codeOf(res)).toBe('FORBIDDEN');
    // Without staff the officer sees the other department only as the public does.
    const publicView = await server.gql<Figures>(FIGURES, { filter: { departmentId: fx.departments.market.id }, staff: false }, { token: police });
    expect(publicView.data?.overview.total).toBe(3);
    expect(publicView.data?.dimensions.dimensions.find((d) => d.key === 'attitude')?.rated).toBe(3);
  });
});

describe("the department page's trend over long ranges", () => {
  it('gives a month trend for a range longer than a day trend allows, with every rating counted once', async () => {
    const filter = { departmentId: fx.departments.market.id, from: '2016-01-01', to: '2026-11-30' };
    // A day trend stops at 366 days: that is why the page asks by month for longer ranges.
    const byDay = await server.gql<Figures>(FIGURES, { filter, staff: false }, { token: market });
    expect(codeOf(byDay)).toBe('BAD_USER_INPUT');
    const res = await server.gql<Figures>(FIGURES, { filter, staff: false, granularity: 'MONTH' }, { token: market });
    expect(res.errors).toBeUndefined();
    const points = res.data!.trend.points;
    expect(res.data!.trend.granularity).toBe('MONTH');
    expect(points).toHaveLength(11 * 12 - 1); // Jan 2016 … Nov 2026
    expect(points[0]!.start?.slice(0, 10)).toBe('2016-01-01');
    expect(points.reduce((n, p) => n + (p.total ?? 0), 0)).toBe(3);
    expect(points.find((p) => p.start?.startsWith('2026-11'))?.total).toBe(3);
  });
});
