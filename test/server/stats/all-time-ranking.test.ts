import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../../server/src/common/actor.js';
import type { Em } from '../../../server/src/db/orm.js';
import { attributionFromUnits } from '../../../server/src/stats/attribution.store.js';
import { ROLLUP_TOTAL_ALL_TIME_INDEX } from '../../../server/src/stats/rollup.entities.js';
import { rollupDeltas, scopesOf } from '../../../server/src/stats/rollup.logic.js';
import { applyRollupDeltas } from '../../../server/src/stats/rollup.store.js';
import { breakdown, hotTags } from '../../../server/src/stats/stats.service.js';
import {
  countStatements,
  DISTRICT_A,
  naive,
  NOW,
  seedCatalog,
  statsApp,
  storeRollups,
  syntheticRatings,
  type Catalog,
  type StatsApp,
  type SyntheticRating,
} from './stats-fixture.js';

/**
 * P5: all-time figures without a channel read the all-time rows of `rollup_total` through the small
 * partial index `rollup_total_all_time`, and a cut ranking (items, staff) is ranked in SQL. Both must
 * give exactly the answer of the per-period path and of a naive recount (R21), ties and unrated units
 * included.
 */

const ADMIN: Actor = { role: 'admin', label: 'user:1' };

let app: StatsApp;
let cat: Catalog;
let ratings: SyntheticRating[];
const em = (): Em => app.orm.em.fork() as Em;

/** Extra items of the market department (id 3): 7 and 8 tie, 9 is rated then invalidated (a zero row), 10–12 unrated. */
const EXTRA_ITEMS = [7, 8, 9, 10, 11, 12];

function ratingOfItem(itemId: number, level: number, at: number): SyntheticRating {
  const attribution = attributionFromUnits([{ department_id: 3, item_id: itemId, region_code: DISTRICT_A, path: '/3/' }], 'ORDINARY', null);
  return { attribution, scopes: scopesOf(attribution), level, isDefault: false, channel: 'PC', ratedAt: at, tags: [] };
}

beforeAll(async () => {
  app = await statsApp();
  cat = await seedCatalog(app.orm);
  for (const id of EXTRA_ITEMS)
    await em().execute('insert into item (id, task_code, handle_item_code, name, item_type, department_id) values (?, ?, ?, ?, ?, ?)', [
      id,
      `11419901M00${10 + id}`,
      `11419901M00${10 + id}01`,
      `附加事项${id}`,
      '01',
      3,
    ]);
  const at = NOW.getTime() - 3 * 86_400_000;
  const extra = [7, 7, 7, 8, 8, 8, 9].map((item, i) => ratingOfItem(item, i % 2 ? 5 : 2, at + i * 60_000));
  ratings = [...syntheticRatings(400), ...extra];
  await storeRollups(app.orm, ratings);
  // Item 9's rating is invalidated (R18): its all-time row stays, with zeros.
  const invalidated = ratingOfItem(9, 2, at + 6 * 60_000);
  const d = rollupDeltas(invalidated.attribution, { level: 2, isDefault: false, channel: 'PC', ratedAt: invalidated.ratedAt, tags: [] }, -1);
  await em().transactional(async (tx) => applyRollupDeltas(tx as Em, d.counts, d.tags));
  ratings = ratings.slice(0, -1);
});

afterAll(async () => {
  await app.close();
});

/** The expected ranking by a naive recount: total descending, then id ascending (buildBreakdownRows' order). */
function expectedItemRanking(ids: number[]): Array<[string, number]> {
  return ids.map((id): [string, number] => [String(id), naive(ratings, `I:${id}`).length]).sort((a, b) => b[1] - a[1] || Number(a[0]) - Number(b[0]));
}

describe('all-time rankings read from the all-time index (P5)', () => {
  it('ranks items with every limit exactly like a naive recount, ties and unrated items included (R21)', async () => {
    const allIds = [...Object.values(cat.items), ...EXTRA_ITEMS];
    const expected = expectedItemRanking(allIds);
    // The fixture gives what the test needs: a tie, a zero row and unrated items.
    expect(expected.filter(([, n]) => n === 3).map(([id]) => id)).toEqual(['7', '8']);
    expect(expected.filter(([, n]) => n === 0).length).toBeGreaterThanOrEqual(4);
    for (let limit = 1; limit <= allIds.length + 1; limit++) {
      const got = await breakdown(app, ADMIN, {}, 'ITEM', limit);
      expect(got.rows.map((r) => [r.key, r.total])).toEqual(expected.slice(0, limit));
    }
    // Under a department (a filter on the units): its items only.
    const market = await breakdown(app, ADMIN, { departmentId: cat.departments.market }, 'ITEM', 5);
    const marketIds = [cat.items.business, cat.items.branchLicence, ...EXTRA_ITEMS];
    expect(market.rows.map((r) => [r.key, r.total])).toEqual(expectedItemRanking(marketIds).slice(0, 5));
  });

  it('gives the same figures as the per-period path over a range covering every rating (R21)', async () => {
    const everything = { from: '2026-01-01', to: '2026-11-21' };
    for (const by of ['ITEM', 'DEPARTMENT', 'REGION', 'STAFF'] as const) {
      const allTime = await breakdown(app, ADMIN, {}, by, 1000);
      const ranged = await breakdown(app, ADMIN, everything, by, 1000);
      expect(allTime.rows.length).toBeGreaterThan(0);
      expect(allTime.rows).toEqual(ranged.rows);
    }
    const tags = await hotTags(app, ADMIN, {}, 10);
    expect(tags.total).toBe(naive(ratings, 'T').length);
    expect(tags.total).toBe((await hotTags(app, ADMIN, everything, 10)).total);
  });

  it('answers a ranking in one statement (R21)', async () => {
    for (const limit of [1, 100]) expect((await countStatements(app.orm, () => breakdown(app, ADMIN, {}, 'ITEM', limit))).statements).toHaveLength(1);
  });

  it.runIf(!process.env.DATABASE_URL)('reads the all-time rows through the partial index on SQLite (P5)', async () => {
    const { statements } = await countStatements(app.orm, () => breakdown(app, ADMIN, {}, 'DEPARTMENT'));
    const plan = await em().execute<Array<{ detail: string }>>(`explain query plan ${statements[0]!.replace(/\?/g, "'H'")}`);
    expect(plan.map((p) => p.detail).join('\n')).toContain(`COVERING INDEX ${ROLLUP_TOTAL_ALL_TIME_INDEX}`);
  });
});
