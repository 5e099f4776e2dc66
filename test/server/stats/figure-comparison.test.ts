import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../server/src/common/clock.js';
import { RegionSchema } from '../../../server/src/catalog/catalog.entities.js';
import { DepartmentSchema } from '../../../server/src/catalog/catalog.entities.js';
import type { Em } from '../../../server/src/db/orm.js';
import { CITY, DISTRICT_A, DISTRICT_B, makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

const COMPARISON = operation('figure-comparison');
const DISTRICT_C = '419903000000';

interface Compared {
  ratings: number | null;
  goodRate: number | null;
  averageLevel: number | null;
  dimensions: Array<{ key: string; rated: number | null; goodRate: number | null }>;
}
interface Comparison {
  figureComparison: {
    scope: string;
    name: string;
    peers: number;
    from: string;
    to: string;
    previousFrom: string;
    previousTo: string;
    unit: Compared;
    previous: Compared;
    peerMedian: Compared;
    peerMean: Compared;
    versusPrevious: Compared;
    versusPeerMedian: Compared;
  };
}

let server: TestServer;
let fx: Fixture;
let supervisor: string;
let market: string;

const attitude = (f: Compared) => f.dimensions.find((d) => d.key === 'attitude')!;

async function rate(dept: 'market' | 'social', level: number, attitudeLevel: number | null): Promise<void> {
  const spec = dept === 'market' ? {} : { deptCode: fx.departments.social.creditCode, taskCode: fx.items.pension.taskCode, key: fx.keys.social };
  const service = await newService(server, fx, spec);
  const res = await submit(
    server,
    {
      ...service,
      level,
      ...(attitudeLevel === null ? {} : { dimensions: [{ key: 'attitude', level: attitudeLevel }] }),
      ...(level <= 2 ? { tags: ['115'], comment: '等候时间太长' } : {}),
    },
    { apiKey: dept === 'market' ? fx.keys.market : fx.keys.social },
  );
  expect(res.errors).toBeUndefined();
}

beforeAll(async () => {
  // Public callers see nothing built from fewer than 2 ratings.
  server = await startTestServer({ minPublicRatings: 2 });
  fx = await makeFixture(server);
  const em = server.app.orm.em.fork() as Em;
  // A third district without ratings, and a second top department of district A without ratings.
  em.create(RegionSchema, { code: DISTRICT_C, name: '南城区', level: 'DISTRICT', parentCode: CITY });
  const tax = em.create(DepartmentSchema, { creditCode: '11419901000000099X', name: '东城区税务局', regionCode: DISTRICT_A, parentId: null, path: '' });
  await em.flush();
  tax.path = `/${tax.id}/`;
  await em.flush();
  // Previous period (2026-11-20): district A (market) levels 5 and 1, attitude scored once (4).
  await rate('market', 5, 4);
  await rate('market', 1, null);
  // Compared period (2026-11-30): district A levels 5, 4, 1 with attitude 5 and 2; district B 5, 5 with attitude 5, 5.
  server.clock.advance(10 * DAY_MS);
  await rate('market', 5, 5);
  await rate('market', 4, null);
  await rate('market', 1, 2);
  await rate('social', 5, 5);
  await rate('social', 5, 5);
  supervisor = await sessionToken(server, 'super', 'super-pass');
  market = await sessionToken(server, 'market', 'market-pass');
});
afterAll(async () => {
  await server.close();
});

const filter = { regionCode: DISTRICT_A, from: '2026-11-21', to: '2026-11-30' };

describe('figure comparison with the peer group and the previous period (R3, R21, R22)', () => {
  it('gives a supervisor the hand-computed figures, medians, means and deltas (R3, R22)', async () => {
    const res = await server.gql<Comparison>(COMPARISON, { filter }, { token: supervisor });
    expect(res.errors).toBeUndefined();
    const c = res.data!.figureComparison;
    expect(c).toMatchObject({ scope: `R:${DISTRICT_A}`, name: '东城区', peers: 2, from: '2026-11-21', to: '2026-11-30' });
    expect(c).toMatchObject({ previousFrom: '2026-11-11', previousTo: '2026-11-20' });
    // District A now: 3 ratings, 2 good, mean (5+4+1)/3; attitude 5 and 2: one good of two.
    expect(c.unit.ratings).toBe(3);
    expect(c.unit.goodRate).toBeCloseTo(2 / 3, 10);
    expect(c.unit.averageLevel).toBeCloseTo(10 / 3, 10);
    expect(attitude(c.unit)).toMatchObject({ rated: 2, goodRate: 0.5 });
    // Its previous 10 days: 2 ratings, 1 good, mean 3; attitude 4 once.
    expect(c.previous).toMatchObject({ ratings: 2, goodRate: 0.5, averageLevel: 3 });
    expect(attitude(c.previous)).toMatchObject({ rated: 1, goodRate: 1 });
    expect(c.versusPrevious.ratings).toBe(1);
    expect(c.versusPrevious.goodRate).toBeCloseTo(2 / 3 - 1 / 2, 10);
    expect(c.versusPrevious.averageLevel).toBeCloseTo(1 / 3, 10);
    expect(attitude(c.versusPrevious).goodRate).toBe(-0.5);
    // Peers: district B (2 ratings, all good, mean 5) and district C (none: no rate, no mean).
    expect(c.peerMedian).toMatchObject({ ratings: 1, goodRate: 1, averageLevel: 5 });
    expect(c.peerMean).toMatchObject({ ratings: 1, goodRate: 1, averageLevel: 5 });
    expect(attitude(c.peerMedian)).toMatchObject({ rated: 1, goodRate: 1 });
    expect(c.versusPeerMedian.goodRate).toBeCloseTo(2 / 3 - 1, 10);
    expect(attitude(c.versusPeerMedian).goodRate).toBe(-0.5);
    // Dimensions nobody scored stay unknown.
    expect(c.unit.dimensions.find((d) => d.key === 'trips')).toMatchObject({ rated: 0, goodRate: null });
  });

  it('shows an officer another unit and its peers only as the public sees them (R12, R21)', async () => {
    const res = await server.gql<Comparison>(COMPARISON, { filter }, { token: market });
    expect(res.errors).toBeUndefined();
    const c = res.data!.figureComparison;
    expect(c.unit).toMatchObject({ ratings: 3 });
    // The attitude of the previous period was scored once: below the public minimum of 2.
    expect(attitude(c.previous)).toMatchObject({ rated: null, goodRate: null });
    // District C (0 ratings) is withheld, so the peers' median count is district B's alone.
    expect(c.peerMedian.ratings).toBe(2);
    // Its own department exactly, peers (the tax office, no ratings) withheld.
    const own = await server.gql<Comparison>(
      COMPARISON,
      { filter: { departmentId: fx.departments.market.id, from: '2026-11-11', to: '2026-11-20' } },
      { token: market },
    );
    expect(own.errors).toBeUndefined();
    expect(own.data!.figureComparison).toMatchObject({ peers: 1, peerMedian: { ratings: null } });
    expect(attitude(own.data!.figureComparison.unit)).toMatchObject({ rated: 1, goodRate: 1 });
  });

  it('is refused outside the workspace roles and for scopes without a peer group (R12)', async () => {
    expect(codeOf(await server.gql(COMPARISON, { filter }))).toMatch(/UNAUTHENTICATED|FORBIDDEN/);
    expect(codeOf(await server.gql(COMPARISON, { filter }, { apiKey: fx.keys.market }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(COMPARISON, { filter: { itemId: fx.items.business.id } }, { token: market }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await server.gql(COMPARISON, { filter: { regionCode: DISTRICT_B, from: '2026-12-01', to: '2026-11-01' } }, { token: market }))).toBe(
      'BAD_USER_INPUT',
    );
  });
});
