import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Em } from '../../../server/src/db/orm.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

// The group commit keeps the writes nobody reads back (the group's counter upserts of every rollup
// table) and, on PostgreSQL, sends them as one statement before the commit. Every acknowledged rating
// must be in every counter exactly once, with one provincial record each.
let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(() => server.close());

const one = async (sql: string, params: unknown[] = []) =>
  Number((await (server.app.orm.em.fork() as Em).execute<Array<{ n: number | string | null }>>(sql, params))[0]?.n ?? 0);
const tagCount = (tag: string) => one(`select coalesce(sum(n), 0) as n from rollup_tag where scope = 'T' and grain = 'A' and tag = ?`, [tag]);
const dimensionCount = (level: number) =>
  one(`select coalesce(sum(n), 0) as n from rollup_dimension where scope = 'T' and grain = 'A' and dimension = 'attitude' and level = ?`, [level]);
const flatTotal = (column: 'a4' | 'a5') => one(`select coalesce(sum(${column}), 0) as n from rollup_total where scope = 'T' and grain = 'A' and bucket = 'H'`);

/** Counts the statements sent to PostgreSQL (one round trip each: node-postgres sends one at a time per connection). */
function countStatements(): { count(): number; stop(): void } {
  const proto = pg.Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const original = proto.query;
  let n = 0;
  proto.query = function (this: unknown, ...args: unknown[]) {
    n += 1;
    return original.apply(this, args);
  };
  return { count: () => n, stop: () => void (proto.query = original) };
}

describe('writes kept until the end of the group (R9, R26)', () => {
  it('counts every rating of a burst in every rollup table and writes one provincial record each', async () => {
    const services = await Promise.all(Array.from({ length: 24 }, () => newService(server, fx)));
    // Warm-up: the key and the tag dictionary are cached before the burst.
    await submit(server, { ...(await newService(server, fx)), level: 5 }, { apiKey: fx.keys.market });
    const before = {
      total: await rollupTotal(server.app, 'T'),
      tag510: await tagCount('510'),
      tag406: await tagCount('406'),
      dim5: await dimensionCount(5),
      dim4: await dimensionCount(4),
      a5: await flatTotal('a5'),
      a4: await flatTotal('a4'),
      records: await countRows(server.app, 'outbox', `topic = 'exchange.evaluation'`),
    };
    const groups = server.app.groupCommit.stats.groups;
    const statements = server.app.dialect === 'postgresql' ? countStatements() : null;
    let results;
    try {
      results = await Promise.all(
        services.map((s, i) =>
          submit(
            server,
            i % 2 === 0
              ? { ...s, level: 5, tags: ['510'], dimensions: [{ key: 'attitude', level: 5 }] }
              : { ...s, level: 4, tags: ['406'], dimensions: [{ key: 'attitude', level: 4 }] },
            { apiKey: fx.keys.market },
          ),
        ),
      );
    } finally {
      statements?.stop();
    }
    expect(results.filter((r) => r.errors)).toEqual([]);
    const ids = results.map((r) => r.data!.submitEvaluation.id);
    expect(new Set(ids).size).toBe(24);
    expect(await rollupTotal(server.app, 'T')).toBe(before.total + 24);
    expect(await tagCount('510')).toBe(before.tag510 + 12);
    expect(await tagCount('406')).toBe(before.tag406 + 12);
    expect(await dimensionCount(5)).toBe(before.dim5 + 12);
    expect(await dimensionCount(4)).toBe(before.dim4 + 12);
    expect(await flatTotal('a5')).toBe(before.a5 + 12);
    expect(await flatTotal('a4')).toBe(before.a4 + 12);
    expect(await countRows(server.app, 'outbox', `topic = 'exchange.evaluation'`)).toBe(before.records + 24);
    expect(
      await countRows(
        server.app,
        'outbox',
        `record_key in (${ids.map(() => '?').join(', ')})`,
        ids.map((id) => `eval:${id}`),
      ),
    ).toBe(24);
    if (statements) {
      // begin with the services' select, the insert that claims them, ONE statement for the outbox rows and the
      // four rollup tables with the commit: three per group (five before BEGIN and COMMIT were folded into
      // the first and last statements, nine before the writes were kept, with tags and dimensions).
      const ran = server.app.groupCommit.stats.groups - groups;
      expect(ran).toBeGreaterThan(0);
      expect(statements.count()).toBeLessThanOrEqual(3 * ran);
    }
  });

  it("keeps each case's provincial records in order: a kept evaluation record before the rectification record it opened (R13, R26)", async () => {
    const services = await Promise.all(Array.from({ length: 12 }, () => newService(server, fx)));
    const results = await Promise.all(
      services.map((s, i) => submit(server, i % 2 === 0 ? { ...s, level: 1, comment: '等了很久' } : { ...s, level: 5 }, { apiKey: fx.keys.market })),
    );
    expect(results.filter((r) => r.errors)).toEqual([]);
    const ids = results.map((r) => r.data!.submitEvaluation.id);
    const rows = await (server.app.orm.em.fork() as Em).execute<Array<{ id: number | string; topic: string; aggregate_id: string }>>(
      `select o.id, o.topic, o.aggregate_id from outbox o where o.aggregate_id in (select cast(case_id as varchar(20)) from rating where id in (${ids.map(() => '?').join(', ')})) order by o.id`,
      ids,
    );
    const byCase = new Map<string, string[]>();
    for (const r of rows) byCase.set(r.aggregate_id, [...(byCase.get(r.aggregate_id) ?? []), r.topic]);
    expect(byCase.size).toBe(12);
    const orders = [...byCase.values()].map((topics) => topics.filter((t) => t !== 'exchange.service'));
    // Six bad ratings opened a case each: the evaluation record first, then the case's opening.
    expect(orders.filter((t) => t.length === 2)).toEqual(Array.from({ length: 6 }, () => ['exchange.evaluation', 'rectification.record']));
    expect(orders.filter((t) => t.length === 1)).toEqual(Array.from({ length: 6 }, () => ['exchange.evaluation']));
    // And the service record, written at registration, before both.
    for (const topics of byCase.values()) expect(topics[0]).toBe('exchange.service');
  });

  it('rolls the kept writes back with a refused rating and counts the others once (R9)', async () => {
    const services = await Promise.all(Array.from({ length: 6 }, () => newService(server, fx)));
    const total = await rollupTotal(server.app, 'T');
    const tag = await tagCount('510');
    const results = await Promise.all([
      ...services.map((s) => submit(server, { ...s, level: 5, tags: ['510'] }, { apiKey: fx.keys.market })),
      submit(server, { ...services[0]!, level: 5, tags: ['510'] }, { apiKey: fx.keys.market }),
      submit(server, { ...services[1]!, level: 9 }, { apiKey: fx.keys.market }),
    ]);
    expect(results.filter((r) => !r.errors)).toHaveLength(6);
    expect(await rollupTotal(server.app, 'T')).toBe(total + 6);
    expect(await tagCount('510')).toBe(tag + 6);
  });
});
