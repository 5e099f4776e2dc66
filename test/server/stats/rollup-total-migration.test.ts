import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MikroORM } from '@mikro-orm/core';
import { allEntities } from '../../../server/src/app/entities.js';
import { ormOptions, type Em } from '../../../server/src/db/orm.js';
import { throwawayDatabase } from '../../support/database.js';

let db: Awaited<ReturnType<typeof throwawayDatabase>>;
let orm: MikroORM;

beforeAll(async () => {
  db = await throwawayDatabase();
  orm = await MikroORM.init(ormOptions({ sqliteFile: db.sqliteFile, databaseUrl: db.databaseUrl }, allEntities));
});
afterAll(async () => {
  await orm.close(true);
  await db.drop();
});

describe('the rollup_total migration', () => {
  it('fills the flat totals from the rollup_count rows of an existing installation, so no rebuild is needed (R21, P5)', async () => {
    const migrator = orm.getMigrator();
    await migrator.up({ to: 'Migration20261130100300_rollup_dimension' });
    const em = orm.em.fork() as Em;
    // Two channels, levels with and without defaults, two scopes and grains, a zero row left by an invalidation.
    const counts: Array<[string, string, string, number, string, number, number, number]> = [
      ['H', 'T', 'A', 0, 'PC', 5, 0, 7],
      ['H', 'T', 'A', 0, 'APP', 5, 0, 3],
      ['H', 'T', 'A', 0, 'APP', 5, 1, 4],
      ['H', 'T', 'A', 0, 'PC', 1, 0, 2],
      ['H', 'T', 'A', 0, 'SMS', 3, 0, 0],
      ['H', 'D:7', 'M', 202611, 'WINDOW', 2, 0, 1],
      ['H', 'D:7', 'M', 202611, 'PC', 2, 0, 5],
      ['C', 'T', 'A', 0, 'HOTLINE', 4, 0, 6],
    ];
    for (const row of counts)
      await em.execute(`insert into rollup_count (bucket, scope, grain, period, channel, level, is_default, n) values (?, ?, ?, ?, ?, ?, ?, ?)`, row, 'run');
    await migrator.up();
    const rows = await em.execute<Array<Record<string, string | number>>>(
      'select bucket, scope, grain, period, a1, a2, a3, a4, a5, d1, d2, d3, d4, d5 from rollup_total order by bucket, scope, grain, period',
    );
    const flat = rows.map((r) => [
      r.bucket,
      r.scope,
      r.grain,
      Number(r.period),
      ...['a1', 'a2', 'a3', 'a4', 'a5', 'd1', 'd2', 'd3', 'd4', 'd5'].map((c) => Number(r[c])),
    ]);
    expect(flat).toEqual([
      ['C', 'T', 'A', 0, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0],
      ['H', 'D:7', 'M', 202611, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0],
      ['H', 'T', 'A', 0, 2, 0, 0, 0, 10, 0, 0, 0, 0, 4],
    ]);
  });
});
