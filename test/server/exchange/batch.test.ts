import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { submitBatch, type BatchAnswer } from '../../support/services.js';
import { ItemSchema } from '../../../server/src/catalog/catalog.entities.js';
import type { Em } from '../../../server/src/db/orm.js';

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(() => server.close());

let seq = 0;
const prefix = () => `BT${Date.now().toString(36)}${(seq++).toString().padStart(3, '0')}`;

function serviceRecord(projectNo: string, over: Record<string, unknown> = {}) {
  return {
    projectNo,
    serviceNumber: 1,
    serviceName: '受理',
    taskCode: fx.items.business.taskCode,
    deptCode: fx.departments.market.creditCode,
    proStatus: 3,
    resultDate: server.clock.now().toISOString(),
    userName: '张小三',
    mobile: '13812341234',
    userProp: 1,
    proChannel: 2,
    ...over,
  };
}

async function registerMany(records: Record<string, unknown>[], apiKey = fx.keys.market): Promise<BatchAnswer[]> {
  const res = await server.gql<{ registerServices: BatchAnswer[] }>(operation('register-services'), { inputs: records }, { apiKey });
  expect(res.errors).toBeUndefined();
  return res.data!.registerServices;
}

const rateMany = (records: Record<string, unknown>[], apiKey = fx.keys.market) => submitBatch(server, records, apiKey);

const overviewTotal = async () => {
  const res = await server.gql<{ overview: { total: number } }>('{ overview { total } }', {}, { apiKey: fx.keys.market });
  expect(res.errors).toBeUndefined();
  return res.data!.overview.total;
};

describe('department systems send batches (R8, R9)', () => {
  it('registers a batch of services, each answered in order; the same batch again changes nothing and says UNCHANGED (R8)', async () => {
    const p = prefix();
    const records = Array.from({ length: 50 }, (_, i) => serviceRecord(`${p}-${i}`, { serviceNumber: 1 + (i % 3) }));
    const first = await registerMany(records);
    expect(first.map((r) => r.index)).toEqual(records.map((_, i) => i));
    expect(first.every((r) => r.status === 'CREATED' && r.id !== null)).toBe(true);
    expect(first[7]).toMatchObject({ projectNo: `${p}-7`, serviceNumber: 2 });
    const services = await countRows(server.app, 'service', 'project_no like ?', [`${p}-%`]);
    const again = await registerMany(records);
    expect(again.map((r) => r.status)).toEqual(records.map(() => 'UNCHANGED'));
    expect(again.map((r) => r.id)).toEqual(first.map((r) => r.id));
    expect(await countRows(server.app, 'service', 'project_no like ?', [`${p}-%`])).toBe(services);
  });

  it('answers UPDATED when a record advances a status, and several nodes of one case in one batch all land (R8)', async () => {
    const p = prefix();
    const accepted = await registerMany([serviceRecord(p, { proStatus: 2, resultDate: null })]);
    expect(accepted[0]!.status).toBe('CREATED');
    const results = await registerMany([serviceRecord(p), serviceRecord(p, { serviceNumber: 2 }), serviceRecord(p, { serviceNumber: 3 })]);
    expect(results.map((r) => r.status)).toEqual(['UPDATED', 'CREATED', 'CREATED']);
    expect(await countRows(server.app, 'case_record', 'project_no = ?', [p])).toBe(1);
  });

  it('refuses one bad record among good ones, with its code, and stores every good one (R8)', async () => {
    const p = prefix();
    const records = [
      serviceRecord(`${p}-0`),
      serviceRecord(`${p}-1`, { taskCode: 'NO-SUCH-ITEM' }),
      serviceRecord(`${p}-2`, { proStatus: 9 }),
      serviceRecord(`${p}-3`, { deptCode: fx.departments.police.creditCode, taskCode: fx.items.idCard.taskCode }),
      serviceRecord(`${p}-4`),
    ];
    const results = await registerMany(records);
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['CREATED', null],
      ['REFUSED', 'NOT_FOUND'],
      ['REFUSED', 'BAD_USER_INPUT'],
      ['REFUSED', 'FORBIDDEN'],
      ['CREATED', null],
    ]);
    expect(results[1]!.message).toContain('NO-SUCH-ITEM');
    expect(await countRows(server.app, 'service', 'project_no like ?', [`${p}-%`])).toBe(2);
  });

  it('rates a batch of services; the same batch again is all UNCHANGED and every figure stays as it was (R9)', async () => {
    const p = prefix();
    const services = Array.from({ length: 40 }, (_, i) => serviceRecord(`${p}-${i}`));
    await registerMany(services);
    // With and without ids: a resend without one is known by the key that rated and the level.
    const ratings = services.map((s, i) => ({
      projectNo: s.projectNo,
      serviceNumber: 1,
      level: 1 + (i % 5),
      tags: i % 5 === 0 ? ['115'] : undefined,
      comment: i % 5 < 2 ? '办理太慢' : undefined,
      channel: 'HOTLINE',
      ...(i % 3 === 0 ? { submissionId: `${p}-answer-${i}` } : i % 3 === 1 ? { externalId: `ext:${p}:${i}` } : {}),
    }));
    const before = await overviewTotal();
    const first = await rateMany(ratings);
    expect(first.map((r) => r.status)).toEqual(ratings.map(() => 'CREATED'));
    const afterFirst = await overviewTotal();
    expect(afterFirst).toBe(before + 40);
    const total = await rollupTotal(server.app, 'T');
    const cases = await countRows(server.app, 'rect_case');
    const again = await rateMany(ratings);
    expect(again.map((r) => r.status)).toEqual(ratings.map(() => 'UNCHANGED'));
    expect(again.map((r) => r.id)).toEqual(first.map((r) => r.id));
    expect(await overviewTotal()).toBe(afterFirst);
    expect(await rollupTotal(server.app, 'T')).toBe(total);
    expect(await countRows(server.app, 'rect_case')).toBe(cases);
    expect(await countRows(server.app, 'rating r join service s on s.id = r.service_id', 's.project_no like ?', [`${p}-%`])).toBe(40);
  });

  it('refuses a bad rating among good ones without refusing the others (R9)', async () => {
    const p = prefix();
    await registerMany([serviceRecord(`${p}-0`), serviceRecord(`${p}-1`), serviceRecord(`${p}-2`), serviceRecord(`${p}-3`)]);
    const results = await rateMany([
      { projectNo: `${p}-0`, serviceNumber: 1, level: 5 },
      { projectNo: `${p}-1`, serviceNumber: 1, level: 1 },
      { projectNo: `${p}-9`, serviceNumber: 1, level: 5 },
      { projectNo: `${p}-2`, serviceNumber: 1, level: 4, channel: 'TELEPATHY' },
      { projectNo: `${p}-3`, serviceNumber: 1, level: 4 },
    ]);
    expect(results.map((r) => [r.status, r.code])).toEqual([
      ['CREATED', null],
      ['REFUSED', 'TAG_OR_COMMENT_REQUIRED'],
      ['REFUSED', 'NOT_FOUND'],
      ['REFUSED', 'BAD_USER_INPUT'],
      ['CREATED', null],
    ]);
    expect(results[2]!.message).toContain('没有对应的服务数据');
    // Another answer for a service already rated, without ids, is ALREADY_RATED, never UNCHANGED.
    const other = await rateMany([{ projectNo: `${p}-0`, serviceNumber: 1, level: 3 }]);
    expect(other[0]).toMatchObject({ status: 'REFUSED', code: 'ALREADY_RATED' });
  });

  it('refuses a rating with a wrongly typed or missing field on its own, with its code, and stores the others (R8, R9)', async () => {
    const p = prefix();
    await registerMany([serviceRecord(`${p}-0`), serviceRecord(`${p}-1`), serviceRecord(`${p}-2`), serviceRecord(`${p}-3`), serviceRecord(`${p}-4`)]);
    const results = await rateMany([
      { projectNo: `${p}-0`, serviceNumber: 1, level: 5 },
      { projectNo: `${p}-1`, serviceNumber: 1, level: '5' },
      { projectNo: `${p}-2`, serviceNumber: 1, level: 4 },
    ]);
    expect(results.map((r) => [r.index, r.status, r.code])).toEqual([
      [0, 'CREATED', null],
      [1, 'REFUSED', 'BAD_USER_INPUT'],
      [2, 'CREATED', null],
    ]);
    expect(results[1]!.message).toMatch(/^level must be an integer 1–5/);
    expect(results[1]).toMatchObject({ projectNo: `${p}-1`, serviceNumber: 1 });
    // Out of range, missing, a tag of the wrong type, an object where a value belongs: each refused alone.
    const more = await rateMany([
      { projectNo: `${p}-1`, serviceNumber: 1, level: 9 },
      { projectNo: `${p}-3`, serviceNumber: 1 },
      { projectNo: `${p}-3`, serviceNumber: 1, level: 2, tags: [214] },
      { projectNo: { no: `${p}-3` }, serviceNumber: 1, level: 3 },
      { projectNo: `${p}-4`, serviceNumber: '1', level: 3 },
      { projectNo: `${p}-1`, serviceNumber: 1, level: 4, dimensions: [{ key: 'attitude', level: 4 }] },
    ]);
    expect(more.map((r) => [r.status, r.code])).toEqual([
      ['REFUSED', 'BAD_USER_INPUT'],
      ['REFUSED', 'BAD_USER_INPUT'],
      ['REFUSED', 'BAD_USER_INPUT'],
      ['REFUSED', 'BAD_USER_INPUT'],
      ['REFUSED', 'BAD_USER_INPUT'],
      ['CREATED', null],
    ]);
    expect(more.map((r) => r.message?.split(' ')[0] ?? null)).toEqual(['level', 'level', 'tags', 'projectNo', 'serviceNumber', null]);
    expect(await countRows(server.app, 'rating r join service s on s.id = r.service_id', 's.project_no like ?', [`${p}-%`])).toBe(3);
    // The single-record mutation keeps its strict GraphQL type.
    const strict = await server.gql(
      operation('submit-evaluation'),
      { input: { projectNo: `${p}-3`, serviceNumber: 1, level: '5' } },
      { apiKey: fx.keys.market },
    );
    expect(strict.errors?.[0]?.message).toMatch(/Int/);
  });

  it('refuses a service record with a wrongly typed or missing field on its own, with its code, and stores the others (R8)', async () => {
    const p = prefix();
    const results = await registerMany([
      serviceRecord(`${p}-0`),
      serviceRecord(`${p}-1`, { proStatus: '3' }),
      serviceRecord(`${p}-2`),
      serviceRecord(`${p}-3`, { userName: null }),
      serviceRecord(`${p}-4`, { resultDate: 'yesterday' }),
      serviceRecord(`${p}-5`, { units: [{ deptCode: fx.departments.market.creditCode }], caseKind: 'JOINT' }),
    ]);
    expect(results.map((r) => [r.status, r.code, r.message?.split(' ')[0] ?? null])).toEqual([
      ['CREATED', null, null],
      ['REFUSED', 'BAD_USER_INPUT', 'proStatus'],
      ['CREATED', null, null],
      ['REFUSED', 'BAD_USER_INPUT', 'userName'],
      ['REFUSED', 'BAD_USER_INPUT', 'resultDate'],
      ['REFUSED', 'BAD_USER_INPUT', 'taskCode'],
    ]);
    expect(await countRows(server.app, 'service', 'project_no like ?', [`${p}-%`])).toBe(2);
  });

  it('keeps externalId unique per sending system: the same id is the same rating, another answer under it is CONFLICT (R9)', async () => {
    const p = prefix();
    await registerMany([serviceRecord(`${p}-0`), serviceRecord(`${p}-1`)]);
    const ext = `${p}-row-1`;
    const first = await rateMany([{ projectNo: `${p}-0`, serviceNumber: 1, level: 5, externalId: ext }]);
    expect(first[0]!.status).toBe('CREATED');
    const again = await rateMany([
      { projectNo: `${p}-0`, serviceNumber: 1, level: 5, externalId: ext },
      { projectNo: `${p}-1`, serviceNumber: 1, level: 5, externalId: ext },
    ]);
    expect(again.map((r) => [r.status, r.code])).toEqual([
      ['UNCHANGED', null],
      ['REFUSED', 'CONFLICT'],
    ]);
    expect(again[0]!.id).toBe(first[0]!.id);
    expect(await countRows(server.app, 'rating', 'external_key like ?', [`%/${ext}`])).toBe(1);
    // A rating token's rater cannot send one.
    const bad = await rateMany([{ projectNo: `${p}-1`, serviceNumber: 1, level: 5, externalId: 'has space' }]);
    expect(bad[0]).toMatchObject({ status: 'REFUSED', code: 'BAD_USER_INPUT' });
  });

  it('refuses a batch of 1,001 records whole with BATCH_TOO_LARGE, storing nothing (R8)', async () => {
    const p = prefix();
    const records = Array.from({ length: 1001 }, (_, i) => serviceRecord(`${p}-${i}`));
    const res = await server.gql(operation('register-services'), { inputs: records }, { apiKey: fx.keys.market });
    expect(codeOf(res)).toBe('BATCH_TOO_LARGE');
    const ratings = Array.from({ length: 1001 }, (_, i) => ({ projectNo: `${p}-${i}`, serviceNumber: 1, level: 5 }));
    const rated = await server.gql(operation('submit-evaluations'), { inputs: ratings }, { apiKey: fx.keys.market });
    expect(codeOf(rated)).toBe('BATCH_TOO_LARGE');
    expect(await countRows(server.app, 'service', 'project_no like ?', [`${p}-%`])).toBe(0);
  });

  it('takes a batch of 1,000 in a few group transactions, not 1,000 (R8)', async () => {
    const p = prefix();
    const records = Array.from({ length: 1000 }, (_, i) => serviceRecord(`${p}-${i}`));
    const groups = server.app.groupCommit.stats.groups;
    const results = await registerMany(records);
    expect(results.filter((r) => r.status === 'CREATED')).toHaveLength(1000);
    expect(server.app.groupCommit.stats.groups - groups).toBeLessThanOrEqual(20);
  });

  it('needs a system or device key: public callers are refused (R8)', async () => {
    const res = await server.gql(operation('submit-evaluations'), { inputs: [] });
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
  });
});

describe('catalog queries for integrators (R25)', () => {
  it('pages through items by cursor, searches by name and code, and gives a system its own department by default', async () => {
    const em = server.app.orm.em.fork() as Em;
    for (let i = 0; i < 12; i++) {
      em.create(ItemSchema, {
        taskCode: `11419901M9${String(i).padStart(3, '0')}`,
        handleItemCode: i % 2 ? `11419901M9${String(i).padStart(3, '0')}01` : '',
        name: `食品经营许可${i}`,
        itemType: '01',
        departmentId: fx.departments.market.id,
      });
    }
    await em.flush();
    const page = (vars: Record<string, unknown>, apiKey?: string) =>
      server.gql<{
        items: { items: Array<{ taskCode: string; handleItemCode: string | null; name: string }>; endCursor: string | null; hasNextPage: boolean };
      }>(operation('items'), vars, apiKey ? { apiKey } : {});
    const seen: string[] = [];
    let after: string | null = null;
    for (let n = 0; n < 10; n++) {
      const res = await page({ search: '食品经营', first: 5, after });
      expect(res.errors).toBeUndefined();
      seen.push(...res.data!.items.items.map((i) => i.name));
      after = res.data!.items.endCursor;
      if (!res.data!.items.hasNextPage) break;
    }
    expect(seen).toHaveLength(12);
    expect(new Set(seen).size).toBe(12);
    const byCode = await page({ search: '11419901M9005' });
    expect(byCode.data!.items.items.map((i) => i.name)).toEqual(['食品经营许可5']);
    expect(byCode.data!.items.items[0]!.handleItemCode).toBe('11419901M900501');
    const noHandle = await page({ search: '11419901M9004' });
    expect(noHandle.data!.items.items[0]!.handleItemCode).toBeNull();
    // A system of the police sees the police items (and its sub-unit's) unless it names a department.
    const police = await page({ first: 50 }, fx.keys.police);
    expect(police.data!.items.items.map((i) => i.taskCode).sort()).toEqual([fx.items.idCard.taskCode, fx.items.passport.taskCode].sort());
    const market = await page({ first: 50, departmentId: fx.departments.market.id }, fx.keys.police);
    expect(market.data!.items.items).toHaveLength(13);
    expect(codeOf(await page({ first: 500 }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await page({ after: 'garbage' }))).toBe('BAD_USER_INPUT');
  });

  it('lists halls and the windows of a hall', async () => {
    const halls = await server.gql<{ halls: Array<{ id: number; name: string }> }>('{ halls { id name regionCode } }');
    expect(halls.data!.halls.map((h) => h.id)).toContain(fx.hall.id);
    const windows = await server.gql<{ windows: Array<{ id: number; no: string }> }>('query ($h: Int!) { windows(hallId: $h) { id no name departmentId } }', {
      h: fx.hall.id,
    });
    expect(windows.data!.windows.map((w) => w.no)).toEqual(['A01', 'A02']);
    const none = await server.gql('query { windows(hallId: 999999) { id } }');
    expect(codeOf(none)).toBe('NOT_FOUND');
  });
});
