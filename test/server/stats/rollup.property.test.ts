import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../seeds/demo-city.js';
import { DAY_MS } from '../../../server/src/common/clock.js';
import { DomainError } from '../../../server/src/common/errors.js';
import type { Actor } from '../../../server/src/common/actor.js';
import { registerService, type RegisterServiceInput } from '../../../server/src/case/case.service.js';
import { recordDueDefaults } from '../../../server/src/rating/defaults.service.js';
import { submitEvaluation, submitFollowUp, type SubmitEvaluationInput } from '../../../server/src/rating/rating.service.js';
import type { Channel } from '../../../server/src/catalog/channel.logic.js';
import type { Em } from '../../../server/src/db/orm.js';
import { diffRollups, readRollups, recountRollups } from '../../../server/src/stats/rebuild.js';
import { breakdown } from '../../../server/src/stats/stats.service.js';
import { invalidateRating } from '../../../server/src/rectification/invalidation.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer({ followUpDays: 3 });
  fx = await makeFixture(server);
});
afterAll(() => server.close());

// 3,000 in the SQLite run; the PostgreSQL run repeats 1,000 of them against the other store (its own
// concurrency is the next test's subject). PROPERTY_OPERATIONS overrides.
const OPERATIONS = Number(process.env.PROPERTY_OPERATIONS ?? (process.env.DATABASE_URL ? 1000 : 3000));
const CHANNELS: Channel[] = ['PC', 'APP', 'MINI_PROGRAM', 'QR', 'SMS', 'HOTLINE', 'IMPORT', 'WINDOW', 'TERMINAL'];
const TAGS: Record<number, string[]> = { 5: ['510', '517'], 4: ['406', '413'], 3: ['307', '314'], 2: ['207', '214'], 1: ['108', '115'] };
const DIMENSION_KEYS = ['commitment', 'attitude', 'materials', 'efficiency', 'trips', 'mechanism', 'integrity'];

/**
 * The dimension counters (R3) recounted straight from the raw rows, independently of `rollupDeltas`:
 * for the whole platform (scope T, all time) every valid first rating's `dimensions` JSON, per
 * bucket, dimension and level.
 */
async function recountDimensionsFromRaw(em: Em): Promise<Map<string, number>> {
  const rows = await em.execute<Array<{ dimensions: string; kind: string }>>(
    `select r.dimensions, c.kind from rating r join case_record c on c.id = r.case_id
      where r.valid = true and r.assess_number = 1 and r.dimensions is not null`,
  );
  const out = new Map<string, number>();
  for (const row of rows) {
    for (const [key, level] of Object.entries(JSON.parse(row.dimensions) as Record<string, number>)) {
      const k = `${row.kind === 'CONSULTATION' ? 'C' : 'H'}|${key}|${level}`;
      out.set(k, (out.get(k) ?? 0) + 1);
    }
  }
  return out;
}

async function storedTotalDimensions(em: Em): Promise<Map<string, number>> {
  const rows = await em.execute<Array<{ bucket: string; dimension: string; level: number; n: number | string }>>(
    `select bucket, dimension, level, sum(n) as n from rollup_dimension where scope = 'T' and grain = 'A' group by bucket, dimension, level having sum(n) <> 0`,
  );
  return new Map(rows.map((r) => [`${r.bucket}|${r.dimension}|${Number(r.level)}`, Number(r.n)]));
}

/** The flat totals (rollup_total) of the whole platform, all time, as `bucket|level|default` → n. */
async function storedPlatformTotals(em: Em): Promise<Map<string, number>> {
  const rows = await em.execute<Array<Record<string, number | string>>>(
    `select bucket, a1, a2, a3, a4, a5, d1, d2, d3, d4, d5 from rollup_total where scope = 'T' and grain = 'A' and period = 0`,
  );
  const out = new Map<string, number>();
  for (const row of rows)
    for (const column of ['a1', 'a2', 'a3', 'a4', 'a5', 'd1', 'd2', 'd3', 'd4', 'd5']) {
      const n = Number(row[column]);
      if (n !== 0) out.set(`${String(row.bucket)}|${column.slice(1)}|${column.startsWith('d') ? 1 : 0}`, n);
    }
  return out;
}

/** The same, counted straight from the raw rating rows (valid first ratings), independently of any rollup code. */
async function rawPlatformTotals(em: Em): Promise<Map<string, number>> {
  const rows = await em.execute<Array<{ kind: string; level: number; is_default: number | boolean; n: number | string }>>(
    `select c.kind, r.level, r.is_default, count(*) as n from rating r join case_record c on c.id = r.case_id
      where r.valid = true and r.assess_number = 1 group by c.kind, r.level, r.is_default`,
  );
  const out = new Map<string, number>();
  for (const row of rows) {
    const key = `${row.kind === 'CONSULTATION' ? 'C' : 'H'}|${Number(row.level)}|${row.is_default === true || Number(row.is_default) === 1 ? 1 : 0}`;
    out.set(key, (out.get(key) ?? 0) + Number(row.n));
  }
  return out;
}

/** Rows where rollup_total differs from rollup_count summed over the channels (every scope, grain and period). */
async function totalsDisagreeingWithCounts(em: Em): Promise<number> {
  const sums = ['a1', 'a2', 'a3', 'a4', 'a5', 'd1', 'd2', 'd3', 'd4', 'd5']
    .map((c) => `sum(case when level = ${c.slice(1)} and is_default = ${c.startsWith('d') ? 1 : 0} then n else 0 end) as ${c}`)
    .join(', ');
  const same = ['a1', 'a2', 'a3', 'a4', 'a5', 'd1', 'd2', 'd3', 'd4', 'd5'].map((c) => `coalesce(t.${c}, 0) = coalesce(x.${c}, 0)`).join(' and ');
  const rows = await em.execute<Array<{ n: number | string }>>(
    `select count(*) as n from (select bucket, scope, grain, period, ${sums} from rollup_count group by bucket, scope, grain, period) x
      left join rollup_total t on t.bucket = x.bucket and t.scope = x.scope and t.grain = x.grain and t.period = x.period
      where not (${same})`,
  );
  const extra = await em.execute<Array<{ n: number | string }>>(
    `select count(*) as n from rollup_total t where (t.a1 <> 0 or t.a2 <> 0 or t.a3 <> 0 or t.a4 <> 0 or t.a5 <> 0 or t.d1 <> 0 or t.d2 <> 0 or t.d3 <> 0 or t.d4 <> 0 or t.d5 <> 0)
        and not exists (select 1 from rollup_count c where c.bucket = t.bucket and c.scope = t.scope and c.grain = t.grain and c.period = t.period)`,
  );
  return Number(rows[0]!.n) + Number(extra[0]!.n);
}

describe('rollups (R21)', () => {
  it(`equal a recount from the raw rows, the seven dimensions included, after ${OPERATIONS} random operations of every kind (R3, R9, R10, R11, R18)`, async () => {
    const random = mulberry32(20261121);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)]!;
    const system = (dept: 'market' | 'police' | 'social'): Actor => ({
      role: 'system',
      label: `test:${dept}`,
      departmentId: fx.departments[dept].id,
      departmentPath: fx.departments[dept].path,
    });
    const registered: Array<{ projectNo: string; serviceNumber: number; dept: 'market' | 'police' | 'social' }> = [];
    const outcomes = new Map<string, number>();
    const sent: Array<{ input: SubmitEvaluationInput; followUp: boolean; dept: 'market' | 'police' | 'social' }> = [];
    const note = (what: string) => outcomes.set(what, (outcomes.get(what) ?? 0) + 1);
    let batch = 0;

    for (let op = 0; op < OPERATIONS; op++) {
      const roll = random();
      try {
        if (roll < 0.4 || registered.length < 5) {
          const kind = pick(['ORDINARY', 'ORDINARY', 'ORDINARY', 'BATCH', 'JOINT', 'THEME', 'CONSULTATION'] as const);
          const dept = kind === 'THEME' ? 'police' : pick(['market', 'social'] as const);
          if (kind === 'BATCH' && random() < 0.6) batch += 1;
          const input: RegisterServiceInput = {
            projectNo: `P${op}`,
            serviceNumber: 1,
            serviceName: '办结',
            proStatus: 3,
            proChannel: 2,
            userName: '测试人',
            taskCode: dept === 'market' ? fx.items.business.taskCode : dept === 'social' ? fx.items.pension.taskCode : fx.items.idCard.taskCode,
            deptCode: fx.departments[dept].creditCode,
            caseKind: kind,
            batchNo: kind === 'BATCH' ? `B${batch}` : null,
            units:
              kind === 'JOINT'
                ? [
                    {
                      deptCode: fx.departments[dept === 'market' ? 'social' : 'market'].creditCode,
                      taskCode: dept === 'market' ? fx.items.pension.taskCode : fx.items.business.taskCode,
                    },
                  ]
                : kind === 'THEME'
                  ? [{ deptCode: fx.departments.exitEntry.creditCode, taskCode: fx.items.passport.taskCode }]
                  : null,
            staffNo: dept === 'market' && random() < 0.5 ? fx.staff.workNo : null,
            resultDate: server.clock.now(),
          };
          const { service } = await registerService(server.app, system(dept), input);
          registered.push({ projectNo: service.projectNo, serviceNumber: service.serviceNumber, dept });
          note(`register ${kind}`);
        } else if (roll < 0.86) {
          // Ratings on all channels, with duplicates, follow-ups (追评) and resends of earlier answers
          // (same submissionId), on recent and old services; a burst of up to six at once shares one
          // group commit (each in its own savepoint).
          const burst = random() < 0.3 ? 1 + Math.floor(random() * 6) : 1;
          const results = await Promise.allSettled(
            Array.from({ length: burst }, () => {
              if (sent.length && random() < 0.1) {
                const earlier = pick(sent);
                note('resend');
                return (earlier.followUp ? submitFollowUp : submitEvaluation)(server.app, system(earlier.dept), earlier.input);
              }
              const target = random() < 0.3 ? pick(registered.slice(-20)) : pick(registered);
              const level = pick([5, 5, 5, 4, 3, 2, 1]);
              const input: SubmitEvaluationInput = {
                projectNo: target.projectNo,
                serviceNumber: target.serviceNumber,
                level,
                channel: pick(CHANNELS),
                tags: random() < 0.7 ? [pick(TAGS[level]!)] : [],
                comment: level <= 2 ? '有问题' : null,
                dimensions:
                  random() < 0.4 ? Object.fromEntries(DIMENSION_KEYS.filter(() => random() < 0.5).map((key) => [key, 1 + Math.floor(random() * 5)])) : null,
                submissionId: random() < 0.5 ? `p${sent.length.toString().padStart(8, '0')}` : null,
              };
              const followUp = random() < 0.15;
              if (input.submissionId) sent.push({ input, followUp, dept: target.dept });
              return (followUp ? submitFollowUp : submitEvaluation)(server.app, system(target.dept), input);
            }),
          );
          for (const result of results) {
            if (result.status === 'fulfilled') note('rated');
            else if (result.reason instanceof DomainError) note(result.reason.code);
            else throw result.reason;
          }
          if (burst > 1) note('burst');
        } else if (roll < 0.9) {
          // R18: an upheld appeal or a malicious finding invalidates a rating, twice at times (idempotent).
          const em = server.app.orm.em.fork() as Em;
          const rows = await em.execute<Array<{ id: number }>>('select id from rating order by id desc limit 30');
          if (rows.length) {
            const id = Number(pick(rows).id);
            const result = await em.transactional((tx) => invalidateRating(tx as Em, id, '申诉成立'));
            note(result ? 'invalidated' : 'already invalid');
          }
        } else if (roll < 0.97) {
          server.clock.advance(Math.floor(random() * 3 * DAY_MS));
          note(`defaults ${(await recordDueDefaults(server.app)) > 0 ? 'recorded' : 'none'}`);
        } else {
          server.clock.advance(Math.floor(random() * 6 * 3_600_000));
          note('time passes');
        }
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        note(err.code);
      }
    }

    const em = server.app.orm.em.fork() as Em;
    const recount = await recountRollups(em);
    expect(recount.ratings).toBeGreaterThan(OPERATIONS / 10);
    expect(diffRollups(recount, await readRollups(em))).toEqual([]);
    // R3: the dimension counters are there and equal a recount straight from the raw rows' JSON.
    const rawDimensions = await recountDimensionsFromRaw(em);
    expect(rawDimensions.size).toBeGreaterThan(10);
    expect(await storedTotalDimensions(em)).toEqual(rawDimensions);
    expect([...recount.dimensions.values()].some((d) => d.scope.startsWith('D:') && d.grain === 'D')).toBe(true);
    // P5: the flat totals equal the raw rows (platform, all time), the recount (every row: inside diffRollups
    // above) and the detailed counters summed over the channels, with defaults and invalidations in the mix.
    expect(recount.totals.size).toBeGreaterThan(100);
    expect([...recount.totals.values()].some((t) => t.isDefault)).toBe(true);
    const rawTotals = await rawPlatformTotals(em);
    expect([...rawTotals.keys()].some((k) => k.endsWith('|1'))).toBe(true);
    expect(await storedPlatformTotals(em)).toEqual(rawTotals);
    expect(await totalsDisagreeingWithCounts(em)).toBe(0);
    // P5: the all-time rankings (read through the partial index rollup_total_all_time, cut in SQL) equal the
    // ranking of the recount's all-time cells, every unit included, for every limit shape.
    const admin: Actor = { role: 'admin', label: 'property' };
    for (const [by, prefix, units] of [
      ['ITEM', 'I:', 'select id from item'],
      ['STAFF', 'S:', 'select id from staff'],
      ['DEPARTMENT', 'D:', 'select id from department where parent_id is null'],
    ] as const) {
      const ids = (await em.execute<Array<{ id: number }>>(units)).map((r) => Number(r.id));
      const totalOf = new Map<number, number>();
      for (const t of recount.totals.values()) {
        if (t.bucket !== 'H' || t.grain !== 'A' || !t.scope.startsWith(prefix)) continue;
        const id = Number(t.scope.slice(prefix.length));
        totalOf.set(id, (totalOf.get(id) ?? 0) + t.n);
      }
      const expected = ids.map((id): [string, number] => [String(id), totalOf.get(id) ?? 0]).sort((x, y) => y[1] - x[1] || Number(x[0]) - Number(y[0]));
      expect(expected.some(([, n]) => n > 0)).toBe(true);
      for (const limit of [1, 3, ids.length + 1]) {
        const got = await breakdown(server.app, admin, {}, by, limit);
        expect(got.rows.map((r) => [r.key, r.total])).toEqual(expected.slice(0, limit));
      }
    }
    await em.execute(`update rollup_total set a3 = a3 + 1 where scope = 'T' and grain = 'A' and bucket = 'H'`);
    expect(diffRollups(recount, await readRollups(em)).map((d) => [d.table, d.key])).toEqual([['rollup_total', 'H|T|A|0|3|0']]);
    expect(await totalsDisagreeingWithCounts(em)).toBe(1);
    await em.execute(`update rollup_total set a3 = a3 - 1 where scope = 'T' and grain = 'A' and bucket = 'H'`);
    // The comparison itself notices a counter that is off by one.
    await em.execute(
      `update rollup_count set n = n + 1 where scope = 'T' and grain = 'A' and bucket = 'H' and level = 5 and channel = 'PC' and is_default = 0`,
    );
    expect(diffRollups(recount, await readRollups(em))).toHaveLength(1);
    await em.execute(
      `update rollup_count set n = n - 1 where scope = 'T' and grain = 'A' and bucket = 'H' and level = 5 and channel = 'PC' and is_default = 0`,
    );
    const someDimension = [...recount.dimensions.values()][0]!;
    const dimensionWhere = `bucket = ? and scope = ? and grain = ? and period = ? and channel = ? and dimension = ? and level = ?`;
    const dimensionKey = [
      someDimension.bucket,
      someDimension.scope,
      someDimension.grain,
      someDimension.period,
      someDimension.channel,
      someDimension.dimension,
      someDimension.level,
    ];
    await em.execute(`update rollup_dimension set n = n + 1 where ${dimensionWhere}`, dimensionKey);
    expect(diffRollups(recount, await readRollups(em)).map((d) => d.table)).toEqual(['rollup_dimension']);
    await em.execute(`update rollup_dimension set n = n - 1 where ${dimensionWhere}`, dimensionKey);
    // The run exercised what it claims to: duplicates were refused, defaults were recorded.
    expect(outcomes.get('ALREADY_RATED') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('defaults recorded') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('invalidated') ?? 0).toBeGreaterThan(0);
    expect(outcomes.get('rated') ?? 0).toBeGreaterThan(OPERATIONS / 10);
    expect(outcomes.get('burst') ?? 0).toBeGreaterThan(OPERATIONS / 20);
    expect(outcomes.get('resend') ?? 0).toBeGreaterThan(0);
    const followUps = await em.execute<Array<{ n: number | string }>>('select count(*) as n from rating where assess_number = 2');
    expect(Number(followUps[0]!.n)).toBeGreaterThan(0);
  }, 600_000);

  it('stay exact when hundreds of ratings and registrations arrive at once (concurrent group commits on PostgreSQL)', async () => {
    const random = mulberry32(7);
    const market: Actor = { role: 'system', label: 'test:market', departmentId: fx.departments.market.id, departmentPath: fx.departments.market.path };
    const register = (i: number) =>
      registerService(server.app, market, {
        projectNo: `CC${i}`,
        serviceNumber: 1,
        serviceName: '办结',
        proStatus: 3,
        proChannel: 2,
        userName: '测试人',
        taskCode: fx.items.business.taskCode,
        deptCode: fx.departments.market.creditCode,
        resultDate: server.clock.now(),
        staffNo: i % 2 ? fx.staff.workNo : null,
      });
    await Promise.all(Array.from({ length: 150 }, (_, i) => register(i)));
    // Every service rated at once, bad ones open cases, while more services register. Half of them
    // get a second first rating at the same moment (refused: one rating per service, R9), the other
    // half a follow-up (追评, allowed here: stored, or refused while the first rating is not yet in).
    const attempts = Array.from({ length: 300 }, (_, i) => {
      const level = 1 + Math.floor(random() * 5);
      const input = { projectNo: `CC${i % 150}`, serviceNumber: 1, level, channel: 'PC' as const, tags: level <= 2 ? [TAGS[level]![0]!] : [] };
      return i >= 150 && i % 2 === 1 ? submitFollowUp(server.app, market, input) : submitEvaluation(server.app, market, input);
    });
    const results = await Promise.allSettled([...attempts, ...Array.from({ length: 50 }, (_, i) => register(150 + i))]);
    const failures = results.map((r) => (r.status === 'rejected' ? (r.reason as DomainError) : null));
    const firstFailures = failures.filter((e, i) => e && !(i >= 150 && i < 300 && i % 2 === 1));
    const followUpFailures = failures.filter((e, i) => e && i >= 150 && i < 300 && i % 2 === 1);
    expect(firstFailures.map((e) => e!.code)).toEqual(Array.from({ length: 75 }, () => 'ALREADY_RATED'));
    expect(followUpFailures.filter((e) => e!.code !== 'NOT_FOUND')).toEqual([]);
    const em = server.app.orm.em.fork() as Em;
    expect(diffRollups(await recountRollups(em), await readRollups(em))).toEqual([]);
    expect(await totalsDisagreeingWithCounts(em)).toBe(0);
    const count = async (sql: string) => Number((await em.execute<Array<{ n: number | string }>>(sql))[0]!.n);
    expect(await count(`select count(*) as n from service where project_no like 'CC%' and rating_id is not null`)).toBe(200 - 50);
    const ratings = `select count(*) as n from rating r join service s on s.id = r.service_id where s.project_no like 'CC%'`;
    expect(await count(`${ratings} and r.assess_number = 1`)).toBe(150);
    expect(await count(`${ratings} and r.assess_number = 2`)).toBe(75 - followUpFailures.length);
  });
});
