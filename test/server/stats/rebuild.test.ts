import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../server/src/app/app.js';
import type { Actor } from '../../../server/src/common/actor.js';
import { registerService } from '../../../server/src/case/case.service.js';
import { ensureTagDictionary } from '../../../server/src/catalog/catalog.service.js';
import { DAY_MS, ManualClock } from '../../../server/src/common/clock.js';
import type { Em } from '../../../server/src/db/orm.js';
import { recordDueDefaults } from '../../../server/src/rating/defaults.service.js';
import { submitEvaluation } from '../../../server/src/rating/rating.service.js';
import { diffRollups, readRollups, rebuildRollups, recountRollups } from '../../../server/src/stats/rebuild.js';
import { breakdown, overview, ratingFeed } from '../../../server/src/stats/stats.service.js';
import { throwawayDatabase } from '../../support/database.js';
import { creditCodeOf, seedCatalog, type Catalog } from './stats-fixture.js';

const ADMIN: Actor = { role: 'admin', label: 'user:1' };
const PUBLIC: Actor = { role: 'public', label: 'public' };
const DEPT_OF_ITEM: Record<number, number> = { 1: 1, 2: 2, 3: 3, 4: 4, 5: 5 };
const TASK_CODE: Record<number, string> = { 1: '11419900P0001', 2: '11419900P0002', 3: '11419901M0001', 4: '11419901M0002', 5: '11419902S0001' };
const STAFF_NO: Record<number, string | undefined> = { 1: '0201', 3: '0101', 4: '0102' };
const PATH: Record<number, string> = { 1: '/1/', 2: '/1/2/', 3: '/3/', 4: '/3/4/', 5: '/5/' };

let app: App;
let db: Awaited<ReturnType<typeof throwawayDatabase>>;
let cat: Catalog;
let rated = 0;

function system(dept: number): Actor {
  return { role: 'system', label: `apikey:${dept}`, departmentId: dept, departmentPath: PATH[dept] };
}

beforeAll(async () => {
  db = await throwawayDatabase();
  app = await createApp({
    sqliteFile: db.sqliteFile,
    clock: new ManualClock(new Date('2026-11-10T02:00:00Z')),
    config: {
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      seedDemo: false,
      minPublicRatings: 0,
      piiKey: Buffer.alloc(32, 7).toString('base64'),
      piiKeyId: 'test',
      authSecret: 'test-secret-test-secret-test-secret',
    },
  });
  await ensureTagDictionary(app.orm.em.fork() as Em);
  cat = await seedCatalog(app.orm);
  const tags = [...(await app.tags.current()).values()];
  let seed = 11;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((seed / 2 ** 31) * n);
  };
  const clock = app.clock as ManualClock;
  for (let i = 0; i < 140; i++) {
    clock.advance(rnd(3 * 3_600_000));
    const item = 1 + rnd(5);
    const dept = DEPT_OF_ITEM[item]!;
    const roll = rnd(10);
    const kind = roll === 0 ? 'CONSULTATION' : roll === 1 ? 'JOINT' : roll === 2 ? 'THEME' : roll === 3 ? 'BATCH' : 'ORDINARY';
    const projectNo = `SB${String(i).padStart(5, '0')}`;
    const base = {
      serviceNumber: 1,
      serviceName: '受理',
      taskCode: TASK_CODE[item]!,
      deptCode: creditCodeOf(dept),
      proStatus: 3,
      resultDate: clock.now(),
      caseKind: kind as never,
      userName: '张小三',
      mobile: '13812341234',
      userProp: 1,
      proChannel: 2,
      staffNo: STAFF_NO[dept] ?? null,
      units: kind === 'JOINT' || kind === 'THEME' ? [{ deptCode: creditCodeOf(dept === 5 ? 3 : 5), taskCode: TASK_CODE[dept === 5 ? 3 : 5]! }] : null,
      batchNo: kind === 'BATCH' ? `PL${i}` : null,
    };
    await registerService(app, system(dept), { ...base, projectNo });
    if (kind === 'BATCH') await registerService(app, system(dept), { ...base, projectNo: `${projectNo}B` });
    if (rnd(4) === 0) continue; // left unrated: defaulted below (R11)
    const level = [5, 5, 5, 5, 4, 4, 3, 2, 1][rnd(9)]!;
    const ofLevel = tags.filter((t) => t.level === level);
    const chosen = rnd(2) === 0 || level <= 2 ? [ofLevel[rnd(ofLevel.length)]!.code] : [];
    await submitEvaluation(app, system(dept), {
      projectNo,
      serviceNumber: 1,
      level,
      tags: chosen,
      comment: level <= 2 ? '等候时间太长' : null,
      channel: (['PC', 'APP', 'WINDOW', 'TERMINAL', 'IMPORT'] as const)[rnd(5)],
    });
    rated += 1;
  }
  clock.advance((app.config.defaultAfterDays + 1) * DAY_MS);
  await recordDueDefaults(app);
});

afterAll(async () => {
  await app.close();
  await db.drop();
});

const em = () => app.orm.em.fork() as Em;

describe('recountRollups', () => {
  it('equals the counters kept incrementally by ratings and defaults, on every scope (R10, R11)', async () => {
    const expected = await recountRollups(em());
    const stored = await readRollups(em());
    expect(expected.ratings).toBeGreaterThan(rated);
    expect(expected.counts.size).toBeGreaterThan(100);
    expect(diffRollups(expected, stored)).toEqual([]);
    const scopes = new Set([...expected.counts.values()].map((r) => r.scope.slice(0, 2)));
    expect([...scopes].sort()).toEqual(['D:', 'I:', 'R:', 'S:', 'T']);
    const o = await overview(app, ADMIN, {});
    expect(o.defaulted).toBeGreaterThan(0);
  });
});

describe('rebuildRollups', () => {
  it('reports wrong, missing and extra counters, fixes them, and then finds none', async () => {
    const e = em();
    const [victim] = await e.execute<Array<{ scope: string; grain: string; period: number; channel: string; level: number; is_default: number }>>(
      "select scope, grain, period, channel, level, is_default from rollup_count where bucket = 'H' and grain = 'A' order by scope limit 1",
    );
    await e.execute(
      'update rollup_count set n = n + 3 where bucket = ? and scope = ? and grain = ? and period = ? and channel = ? and level = ? and is_default = ?',
      ['H', victim!.scope, victim!.grain, victim!.period, victim!.channel, victim!.level, victim!.is_default],
      'run',
    );
    const [tag] = await e.execute<Array<{ scope: string; period: number; channel: string; tag: string }>>(
      "select scope, period, channel, tag from rollup_tag where bucket = 'H' and grain = 'M' order by scope, period, channel, tag limit 1",
    );
    await e.execute(
      "delete from rollup_tag where bucket = 'H' and grain = 'M' and scope = ? and period = ? and channel = ? and tag = ?",
      [tag!.scope, tag!.period, tag!.channel, tag!.tag],
      'run',
    );
    await e.execute(
      "insert into rollup_count (bucket, scope, grain, period, channel, level, is_default, n) values ('H', 'D:999', 'A', 0, 'PC', 5, 0, 2)",
      [],
      'run',
    );

    const check = await rebuildRollups(em(), { fix: false, dialect: app.dialect });
    expect(check.differences).toHaveLength(3);
    expect(check.fixed).toBe(false);
    expect(check.differences.find((d) => d.key.startsWith('H|D:999|'))).toMatchObject({ table: 'rollup_count', expected: 0, stored: 2 });
    expect(check.differences.find((d) => d.table === 'rollup_tag')).toMatchObject({ stored: 0 });
    expect(check.differences.find((d) => d.key.startsWith(`H|${victim!.scope}|A|`))!.stored).toBe(
      check.differences.find((d) => d.key.startsWith(`H|${victim!.scope}|A|`))!.expected + 3,
    );

    const fix = await rebuildRollups(em(), { dialect: app.dialect });
    expect(fix.differences).toHaveLength(3);
    expect(fix.fixed).toBe(true);
    const again = await rebuildRollups(em(), { dialect: app.dialect });
    expect(again.differences).toEqual([]);
    expect(again.fixed).toBe(false);
  });

  it('--check reports a tampered, a missing and an extra flat total row (rollup_total), the fix restores them, the breakdown follows (R21, P5)', async () => {
    const e = em();
    const departments = async () => (await breakdown(app, ADMIN, {}, 'DEPARTMENT')).rows.map((r) => [r.key, Number(r.total)] as const);
    const before = await departments();
    const [victim] = await e.execute<Array<{ scope: string; a5: number }>>(
      "select scope, a5 from rollup_total where bucket = 'H' and grain = 'A' and scope = 'D:1'",
    );
    await e.execute("update rollup_total set a5 = a5 + 2 where bucket = 'H' and grain = 'A' and scope = 'D:1'", [], 'run');
    expect((await departments()).find(([key]) => key === '1')![1]).toBe(before.find(([key]) => key === '1')![1]! + 2);
    const [gone] = await e.execute<Array<{ scope: string; period: number }>>(
      "select scope, period from rollup_total where bucket = 'H' and grain = 'M' and (a1 + a2 + a3 + a4 + a5 + d1 + d2 + d3 + d4 + d5) > 0 order by scope, period limit 1",
    );
    await e.execute("delete from rollup_total where bucket = 'H' and grain = 'M' and scope = ? and period = ?", [gone!.scope, gone!.period], 'run');
    await e.execute(
      "insert into rollup_total (bucket, scope, grain, period, a1, a2, a3, a4, a5, d1, d2, d3, d4, d5) values ('H', 'D:999', 'A', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4)",
      [],
      'run',
    );

    const check = await rebuildRollups(em(), { fix: false, dialect: app.dialect });
    expect(check.fixed).toBe(false);
    expect(new Set(check.differences.map((d) => d.table))).toEqual(new Set(['rollup_total']));
    expect(check.differences.find((d) => d.key === 'H|D:1|A|0|5|0')).toEqual({
      table: 'rollup_total',
      key: 'H|D:1|A|0|5|0',
      expected: victim!.a5,
      stored: victim!.a5 + 2,
    });
    expect(check.differences.find((d) => d.key === 'H|D:999|A|0|5|1')).toEqual({ table: 'rollup_total', key: 'H|D:999|A|0|5|1', expected: 0, stored: 4 });
    const missing = check.differences.filter((d) => d.key.startsWith(`H|${gone!.scope}|M|${gone!.period}|`));
    expect(missing.length).toBeGreaterThan(0);
    expect(missing.every((d) => d.stored === 0 && d.expected > 0)).toBe(true);

    const fix = await rebuildRollups(em(), { dialect: app.dialect });
    expect(fix.fixed).toBe(true);
    expect((await rebuildRollups(em(), { fix: false, dialect: app.dialect })).differences).toEqual([]);
    expect(await departments()).toEqual(before);
  });

  it('takes an invalidated rating out of every scope it counted in (R18)', async () => {
    const before = await overview(app, ADMIN, {});
    const [rating] = await em().execute<Array<{ id: number }>>(
      'select id from rating where valid = true and assess_number = 1 and is_default = false order by id limit 1',
    );
    await em().execute('update rating set valid = false where id = ?', [rating!.id], 'run');
    const report = await rebuildRollups(em(), { dialect: app.dialect });
    expect(report.differences.length).toBeGreaterThan(5);
    expect(report.differences.every((d) => d.expected === d.stored - 1)).toBe(true);
    const after = await overview(app, ADMIN, {});
    expect(after.total).toBe(before.total! - 1);
  });
});

describe('ratingFeed', () => {
  it('lists the latest active ratings, newest first, without any personal data (R12)', async () => {
    const feed = await ratingFeed(app, PUBLIC, {}, 10);
    expect(feed.entries).toHaveLength(10);
    const ids = feed.entries.map((e) => e.id);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    const text = JSON.stringify(feed);
    expect(text).not.toMatch(/张|小三|1381234|等候时间/);
    expect(Object.keys(feed.entries[0]!).sort()).toEqual([
      'channel',
      'channelName',
      'departmentName',
      'id',
      'itemName',
      'level',
      'levelName',
      'ratedAt',
      'regionCode',
      'tags',
    ]);
    expect(feed.entries.every((e) => e.channel !== 'DEFAULT')).toBe(true);
    const market = await ratingFeed(app, PUBLIC, { departmentId: cat.departments.market }, 50);
    expect(market.entries.every((e) => ['东城区市场监督管理局', '东城区市场监督管理局东关所'].includes(e.departmentName))).toBe(true);
    const consultation = await ratingFeed(app, PUBLIC, { consultation: true }, 50);
    const handled = await ratingFeed(app, PUBLIC, {}, 50);
    expect(consultation.entries.some((c) => handled.entries.some((h) => h.id === c.id))).toBe(false);
  });
});
