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
  trend: { points: Array<{ total: number | null }> };
  items: { rows: Array<{ name: string; total: number }> };
  staff: { rows: Array<{ name: string; total: number }> } | null;
  hotTags: { tags: Array<{ code: string; count: number }> };
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
    const res = await submit(server, { ...service, level, ...(level === 1 ? { tags: ['115'], comment: '等候时间太长' } : {}) }, { apiKey: fx.keys.market });
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
  });

  it("refuses another department's per-staff figures to an officer (R12)", async () => {
    const res = await server.gql<Figures>(FIGURES, { filter: { departmentId: fx.departments.market.id }, staff: true }, { token: police });
    expect(codeOf(res)).toBe('FORBIDDEN');
    // Without staff the officer sees the other department only as the public does.
    const publicView = await server.gql<Figures>(FIGURES, { filter: { departmentId: fx.departments.market.id }, staff: false }, { token: police });
    expect(publicView.data?.overview.total).toBe(3);
  });
});
