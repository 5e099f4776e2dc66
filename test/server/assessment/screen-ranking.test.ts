import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../server/src/common/clock.js';
import { DepartmentSchema } from '../../../server/src/catalog/catalog.entities.js';
import type { Em } from '../../../server/src/db/orm.js';
import type { CountDelta } from '../../../server/src/stats/rollup.logic.js';
import { applyRollupDeltas } from '../../../server/src/stats/rollup.store.js';
import { CITY, makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

const SCREEN_RANKING = operation('screen-ranking');
const SET = `mutation ($regionCode: String!, $key: String!, $value: String) { setAssessmentSetting(regionCode: $regionCode, key: $key, value: $value) }`;

interface Row {
  key: string;
  name: string;
  total: number | null;
  goodRateLower: number | null;
  rank: number | null;
  ranked: boolean;
  note: string | null;
}

let server: TestServer;
let fx: Fixture;
let admin: string;
const PROVINCE = '410000000000';

beforeEach(async () => {
  server = await startTestServer({ sessionTtlHours: 24 }, new ManualClock(new Date('2026-11-20T02:00:00Z')));
  fx = await makeFixture(server);
  admin = await sessionToken(server, 'admin', 'admin-pass');
});
afterEach(async () => {
  await server.close();
});

async function rate(dept: 'market' | 'social', level: number): Promise<void> {
  const spec =
    dept === 'market'
      ? { windowId: fx.window.id, staffNo: fx.staff.workNo }
      : { key: fx.keys.social, deptCode: fx.departments.social.creditCode, taskCode: fx.items.pension.taskCode };
  const service = await newService(server, fx, spec);
  const res = await submit(server, { ...service, level }, { apiKey: dept === 'market' ? fx.keys.market : fx.keys.social });
  expect(res.errors).toBeUndefined();
}

async function set(key: string, value: string): Promise<void> {
  expect((await server.gql(SET, { regionCode: PROVINCE, key, value }, { token: admin })).errors).toBeUndefined();
}

interface Ranking {
  settingsRegion: string;
  minSample: number;
  confidence: number;
  tieBreakOrder: string;
  units: number;
  rankedUnits: number;
  rows: Row[];
}

async function ranking(limit: number | null = null): Promise<Ranking> {
  const res = await server.gql<{ screenRanking: Ranking }>(
    SCREEN_RANKING,
    // No filter: every top-level department; the settings are those of the only top-level region.
    { filter: null, limit },
    { token: admin },
  );
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.screenRanking;
}

/** Wilson lower bound of n successes out of n at normal quantile z. */
const allGoodLower = (n: number, z: number) => n / (n + z * z);

describe('the big screen’s department ranking (R21, R22)', () => {
  it('ranks by the Wilson lower bound with the minimum sample and confidence of the region’s assessment settings; ties and small samples explained', async () => {
    await rate('market', 5);
    await rate('market', 5);
    await rate('social', 5);
    await rate('social', 5);
    await set('rank.minSample', '2');

    const tied = await ranking();
    expect(tied).toMatchObject({ settingsRegion: PROVINCE, minSample: 2, confidence: 95 });
    expect(tied.tieBreakOrder).toContain('好评率置信下限');
    const byName = (r: typeof tied) => Object.fromEntries(r.rows.map((x) => [x.name, x]));
    const a = byName(tied);
    expect(a['东城区市场监督管理局']).toMatchObject({ rank: 1, ranked: true, total: 2 });
    expect(a['西城区人力资源和社会保障局']).toMatchObject({ rank: 1, ranked: true, total: 2 });
    expect(a['东城区市场监督管理局']!.goodRateLower).toBeCloseTo(allGoodLower(2, 1.96), 9);
    // The second of the two explains the shared rank; the police bureau has no rating and stands apart.
    expect(tied.rows[1]!.note).toMatch(/各项排序依据完全相同，并列第 1 名$/);
    expect(tied.rows[2]).toMatchObject({ name: '河清市公安局', rank: null, ranked: false, note: '暂无评价，不参与排名' });

    // One more good rating breaks the tie; a higher minimum sample leaves the smaller one unranked (样本不足).
    await rate('market', 5);
    await set('rank.minSample', '3');
    await set('rank.confidence', '99');
    const after = await ranking();
    expect(after).toMatchObject({ minSample: 3, confidence: 99 });
    const b = byName(after);
    expect(b['东城区市场监督管理局']).toMatchObject({ rank: 1, ranked: true, total: 3, note: null });
    expect(b['东城区市场监督管理局']!.goodRateLower).toBeCloseTo(allGoodLower(3, 2.5758), 9);
    expect(b['西城区人力资源和社会保障局']).toMatchObject({ rank: null, ranked: false, note: '样本不足：评价量 2 少于最低样本数 3，不参与排名' });
    expect(after.rows.map((r) => r.name)).toEqual(['东城区市场监督管理局', '西城区人力资源和社会保障局', '河清市公安局']);
  });

  it('ranks the whole group, beyond the 60 departments with the most ratings, and says how many are ranked (R21, R22)', async () => {
    // 70 more top-level departments, each with its all-time counts written as the rollups hold them:
    // department k has 100 + k ratings, all good but k % 10 bad. The one with the fewest ratings and
    // none bad must still be ranked, and first, though 60 others have more ratings.
    const em = server.app.orm.em.fork() as Em;
    const made: Array<{ id: number; total: number; bad: number }> = [];
    for (let k = 0; k < 70; k++) {
      const d = em.create(DepartmentSchema, {
        creditCode: `11419900${String(k).padStart(8, '0')}X9`,
        name: `测试局${k}`,
        regionCode: CITY,
        parentId: null,
        path: '',
      });
      await em.flush();
      d.path = `/${d.id}/`;
      made.push({ id: d.id, total: 100 + k, bad: k % 10 === 0 && k > 0 ? 0 : (k % 10) + 1 });
    }
    made[0]!.bad = 0; // 测试局0: 100 ratings, none bad: the fewest ratings of the 70, the best rate
    await em.flush();
    // Written as the group commit writes counts: the detailed rows and the flat totals together.
    const counts: CountDelta[] = made.flatMap((m) =>
      (
        [
          [5, m.total - m.bad],
          [1, m.bad],
        ] as const
      )
        .filter(([, n]) => n > 0)
        .map(([level, n]) => ({ bucket: 'H' as const, scope: `D:${m.id}`, grain: 'A' as const, period: 0, channel: 'WINDOW', level, isDefault: false, n })),
    );
    await em.transactional((tx) => applyRollupDeltas(tx as Em, counts, []));
    await set('rank.minSample', '50');

    const all = await ranking();
    // 70 + the fixture's three top departments; the fixture's have no rating, so 70 are ranked.
    expect(all.units).toBe(73);
    expect(all.rankedUnits).toBe(70);
    expect(all.rows).toHaveLength(73);
    const ranked = all.rows.filter((r) => r.ranked);
    expect(ranked).toHaveLength(70);
    expect(ranked.map((r) => r.rank)).toEqual([...ranked.map((r) => r.rank)].sort((a, b) => a! - b!));
    // The best: no bad rating, the highest lower bound among them goes with the largest sample.
    const noBad = made.filter((m) => m.bad === 0).sort((a, b) => b.total - a.total);
    expect(ranked[0]!.key).toBe(String(noBad[0]!.id));
    // The smallest department (100 ratings, none bad) is ranked, above every one with a bad rating.
    const smallest = all.rows.find((r) => r.key === String(made[0]!.id))!;
    expect(smallest).toMatchObject({ ranked: true, total: 100 });
    expect(smallest.rank).toBeLessThanOrEqual(noBad.length);

    // A limit cuts the rows, never the group: the ranks and the counts stay those of all 73.
    const top = await ranking(10);
    expect(top).toMatchObject({ units: 73, rankedUnits: 70 });
    expect(top.rows.map((r) => [r.key, r.rank])).toEqual(all.rows.slice(0, 10).map((r) => [r.key, r.rank]));
  });
});
