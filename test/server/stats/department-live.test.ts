import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { CITY, DISTRICT_A, makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';
import { subscribe, wsClient } from '../screen/ws-client.js';

// The department page's own figures are live like the big screen (issue 12 item 1): the seven dimensions
// and the comparison with the peers and the previous period are pushed after every change.

const DIMENSIONS_LIVE = operation('dimensions-live');
const COMPARISON_LIVE = operation('figure-comparison-live');

interface Dim {
  key: string;
  rated: number | null;
  good: number | null;
  goodRate: number | null;
  average: number | null;
}
interface Compared {
  ratings: number | null;
  goodRate: number | null;
  dimensions: Array<{ key: string; rated: number | null; goodRate: number | null }>;
}
interface ComparisonLive {
  figureComparisonChanged: { scope: string; peers: number; unit: Compared; peerMedian: Compared; seq: number };
}

let server: TestServer;
let fx: Fixture;
let supervisor: string;
let market: string;
const clients: Client[] = [];

async function rate(dept: 'market' | 'social', level: number, attitude: number): Promise<void> {
  const spec = dept === 'market' ? {} : { deptCode: fx.departments.social.creditCode, taskCode: fx.items.pension.taskCode, key: fx.keys.social };
  const service = await newService(server, fx, spec);
  const res = await submit(
    server,
    { ...service, level, dimensions: [{ key: 'attitude', level: attitude }], ...(level <= 2 ? { tags: ['115'], comment: '等候时间太长' } : {}) },
    { apiKey: dept === 'market' ? fx.keys.market : fx.keys.social },
  );
  expect(res.errors).toBeUndefined();
}

function client(token?: string): Client {
  const c = wsClient(server.url, token ? { authorization: `Bearer ${token}` } : {});
  clients.push(c);
  return c;
}

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
  supervisor = await sessionToken(server, 'super', 'super-pass');
  market = await sessionToken(server, 'market', 'market-pass');
  await rate('market', 5, 5);
  await rate('market', 1, 2);
});
afterAll(async () => {
  for (const c of clients) await c.dispose();
  await server.close();
});

describe("a department's own figures, live (R3, R21, R22)", () => {
  it('pushes the dimensions at once and a new snapshot with the exact new counts after a rating (R3)', async () => {
    const sub = subscribe<{ dimensionsChanged: { scope: string; dimensions: Dim[]; seq: number } }>(client(market), DIMENSIONS_LIVE, {
      filter: { departmentId: fx.departments.market.id },
    });
    const first = await sub.next();
    expect(first.errors).toBeUndefined();
    const attitude = (m: typeof first) => m.data!.dimensionsChanged.dimensions.find((d) => d.key === 'attitude')!;
    expect(first.data!.dimensionsChanged.scope).toBe(`D:${fx.departments.market.id}`);
    expect(attitude(first)).toMatchObject({ rated: 2, good: 1, goodRate: 0.5, average: 3.5 });

    await rate('market', 4, 4);
    const next = await sub.next();
    expect(next.errors).toBeUndefined();
    expect(next.data!.dimensionsChanged.seq).toBeGreaterThan(first.data!.dimensionsChanged.seq);
    expect(attitude(next)).toMatchObject({ rated: 3, good: 2, average: 11 / 3 });
    expect(attitude(next).goodRate).toBeCloseTo(2 / 3, 10);
    sub.dispose();
  });

  it('pushes the comparison again when the unit or one of its peers is rated (R21, R22)', async () => {
    const sub = subscribe<ComparisonLive>(client(supervisor), COMPARISON_LIVE, { filter: { regionCode: DISTRICT_A } });
    const first = await sub.next();
    expect(first.errors).toBeUndefined();
    const c0 = first.data!.figureComparisonChanged;
    expect(c0.scope).toBe(`R:${DISTRICT_A}`);
    const before = c0.unit.ratings!;
    const peerBefore = c0.peerMedian.ratings;

    await rate('market', 5, 5);
    const c1 = (await sub.next()).data!.figureComparisonChanged;
    expect(c1.unit.ratings).toBe(before + 1);
    expect(c1.peerMedian.ratings).toBe(peerBefore);

    // A rating in a peer (district B) moves the peers' median: the unit's topic listens to its peers too.
    await rate('social', 5, 5);
    const c2 = (await sub.next()).data!.figureComparisonChanged;
    expect(c2.seq).toBeGreaterThan(c1.seq);
    expect(c2.unit.ratings).toBe(before + 1);
    expect(c2.peerMedian.ratings).not.toBe(c1.peerMedian.ratings);
    sub.dispose();
  });

  it('refuses the live comparison outside the workspace roles, as the query (R12)', async () => {
    const anonymous = subscribe<ComparisonLive>(client(), COMPARISON_LIVE, { filter: { regionCode: CITY } });
    expect((await anonymous.next()).errors?.[0]?.extensions?.code).toMatch(/UNAUTHENTICATED|FORBIDDEN/);
    anonymous.dispose();
  });
});
