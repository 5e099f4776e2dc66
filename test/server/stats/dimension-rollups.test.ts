import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../server/src/common/clock.js';
import type { Em } from '../../../server/src/db/orm.js';
import { invalidateRating } from '../../../server/src/rectification/invalidation.js';
import { diffRollups, readRollups, rebuildRollups, recountRollups } from '../../../server/src/stats/rebuild.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

const DIMENSIONS = 'query ($filter: StatsFilter) { dimensions(filter: $filter) { dimensions { key rated average goodRate } } }';

interface Figures {
  dimensions: { dimensions: Array<{ key: string; rated: number | null; average: number | null; goodRate: number | null }> };
}

let server: TestServer;
let fx: Fixture;
const em = () => server.app.orm.em.fork() as Em;

async function rateWithDimensions(level: number, dims: Record<string, number>): Promise<number> {
  const service = await newService(server, fx);
  const res = await submit(
    server,
    { ...service, level, dimensions: Object.entries(dims).map(([key, l]) => ({ key, level: l })), ...(level <= 2 ? { comment: '太慢' } : {}) },
    { apiKey: fx.keys.market },
  );
  expect(res.errors).toBeUndefined();
  const [row] = await em().execute<Array<{ id: number }>>('select max(id) as id from rating');
  return Number(row!.id);
}

async function dims(filter: Record<string, unknown>): Promise<Record<string, { rated: number | null; average: number | null; goodRate: number | null }>> {
  const res = await server.gql<Figures>(DIMENSIONS, { filter: { departmentId: fx.departments.market.id, ...filter } }, { apiKey: fx.keys.market });
  expect(res.errors).toBeUndefined();
  return Object.fromEntries(res.data!.dimensions.dimensions.map((d) => [d.key, d]));
}

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(async () => {
  await server.close();
});

describe('dimension rollups (R3, R18, R21)', () => {
  it('count ratings more than a year apart in one figure, and each period on its own (R3)', async () => {
    // 2026-11-20, then 400 days later (2027-12-25).
    await rateWithDimensions(5, { attitude: 5, trips: 4 });
    server.clock.advance(400 * DAY_MS);
    await rateWithDimensions(2, { attitude: 2 });
    const all = await dims({});
    expect(all.attitude).toMatchObject({ rated: 2, average: 3.5, goodRate: 0.5 });
    expect(all.trips).toMatchObject({ rated: 1, average: 4 });
    expect((await dims({ from: '2026-01-01', to: '2027-12-31' })).attitude).toMatchObject({ rated: 2, average: 3.5 });
    expect((await dims({ from: '2026-11-20', to: '2026-11-20' })).attitude).toMatchObject({ rated: 1, average: 5 });
    expect((await dims({ from: '2026-11-21', to: '2027-12-24' })).attitude).toMatchObject({ rated: 0, average: null });
    expect((await dims({ from: '2027-12-01' })).attitude).toMatchObject({ rated: 1, average: 2 });
  });

  it('lose an invalidated rating again, in every scope, and equal the recount (R3, R18)', async () => {
    const id = await rateWithDimensions(1, { attitude: 1, efficiency: 1 });
    expect((await dims({})).efficiency).toMatchObject({ rated: 1, average: 1 });
    await em().transactional((tx) => invalidateRating(tx as Em, id, '恶意差评'));
    const after = await dims({});
    expect(after.efficiency).toMatchObject({ rated: 0, average: null });
    expect(after.attitude).toMatchObject({ rated: 2, average: 3.5 });
    const left = await em().execute<Array<{ n: number | string }>>(`select coalesce(sum(n), 0) as n from rollup_dimension where dimension = 'efficiency'`);
    expect(Number(left[0]!.n)).toBe(0);
    expect(diffRollups(await recountRollups(em()), await readRollups(em()))).toEqual([]);
  });

  it('are checked and repaired by stats:rebuild like the level counters (R3, R21)', async () => {
    await em().execute(`delete from rollup_dimension where dimension = 'trips' and grain = 'D'`, [], 'run');
    await em().execute(
      `insert into rollup_dimension (bucket, scope, grain, period, channel, dimension, level, n) values ('H', 'D:999', 'A', 0, 'PC', 'mechanism', 3, 4)`,
      [],
      'run',
    );
    const check = await rebuildRollups(em(), { fix: false, dialect: server.app.dialect });
    expect(check.differences.length).toBeGreaterThan(1);
    expect(check.differences.every((d) => d.table === 'rollup_dimension')).toBe(true);
    expect(check.differences.find((d) => d.key.startsWith('H|D:999|'))).toMatchObject({ expected: 0, stored: 4 });
    expect(check.fixed).toBe(false);
    expect((await rebuildRollups(em(), { dialect: server.app.dialect })).fixed).toBe(true);
    expect((await rebuildRollups(em(), { fix: false, dialect: server.app.dialect })).differences).toEqual([]);
    expect((await dims({})).trips).toMatchObject({ rated: 1, average: 4 });
  });
});
