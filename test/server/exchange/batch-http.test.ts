import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { countRows } from '../../support/rollups.js';
import { startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer({ maxBodyBytes: 256 * 1024 });
  fx = await makeFixture(server);
});
afterAll(() => server.close());

interface Row {
  index: number;
  status: string;
  code: string | null;
  id: number | null;
}

let seq = 0;
const prefix = () => `HT${Date.now().toString(36)}${(seq++).toString().padStart(3, '0')}`;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- either a result array or { error }
  return { status: res.status, body: (await res.json()) as any };
}

/** A service record in the provincial interface's field names, numbers as strings the way many systems send them. */
function record(projectNo: string, over: Record<string, unknown> = {}) {
  return {
    projectNo,
    serviceNumber: 1,
    serviceName: '受理',
    taskCode: fx.items.business.taskCode,
    deptCode: fx.departments.market.creditCode,
    proStatus: '3',
    acceptDate: '2026-11-19 09:30:00',
    resultDate: '2026-11-20 09:30:00',
    userProp: '1',
    userName: '李四',
    mobile: '13912345678',
    proChannel: '2',
    ...over,
  };
}

describe('POST /api/v1 for systems that do not speak GraphQL (R8)', () => {
  it('registers services and rates them with interface field names, one result per record; a repeat is UNCHANGED (R8, R9)', async () => {
    const p = prefix();
    const key = { 'x-api-key': fx.keys.market };
    const services = await post('/api/v1/services', [record(`${p}-0`), record(`${p}-1`), record(`${p}-2`, { deptCode: 'BAD' })], key);
    expect(services.status).toBe(200);
    expect(services.body.map((r: Row) => [r.index, r.status, r.code])).toEqual([
      [0, 'CREATED', null],
      [1, 'CREATED', null],
      [2, 'REFUSED', 'BAD_USER_INPUT'],
    ]);
    const [stored] = await server.app.orm.em
      .fork()
      .getConnection()
      .execute('select completed_at from service where project_no = ?', [`${p}-0`]);
    expect(Number(stored.completed_at)).toBe(Date.parse('2026-11-20T01:30:00Z'));
    const evaluations = [
      { projectNo: `${p}-0`, serviceNumber: 1, assessNumber: 1, pf: 6, satisfaction: 5, assessTime: '2026-11-20 10:00:00', externalId: `${p}-e0` },
      { projectNo: `${p}-1`, serviceNumber: '1', pf: '4', satisfaction: '1', evalDetail: '115', writingEvaluation: '态度差' },
      { projectNo: `${p}-2`, serviceNumber: 1, satisfaction: 5 },
      { projectNo: `${p}-0`, serviceNumber: 1, pf: 99, satisfaction: 5 },
      'not a record',
    ];
    const rated = await post('/api/v1/evaluations', evaluations, { authorization: `ApiKey ${fx.keys.market}` });
    expect(rated.status).toBe(200);
    expect(rated.body.map((r: Row) => [r.index, r.status, r.code])).toEqual([
      [0, 'CREATED', null],
      [1, 'CREATED', null],
      [2, 'REFUSED', 'NOT_FOUND'],
      [3, 'REFUSED', 'BAD_USER_INPUT'],
      [4, 'REFUSED', 'BAD_USER_INPUT'],
    ]);
    const [r1] = await server.app.orm.em
      .fork()
      .getConnection()
      .execute('select r.channel, r.pf, r.level, r.tags from rating r join service s on s.id = r.service_id where s.project_no = ?', [`${p}-1`]);
    expect(r1).toMatchObject({ channel: 'WINDOW', level: 1, tags: '115' });
    const again = await post('/api/v1/evaluations', evaluations.slice(0, 2), key);
    expect(again.body.map((r: Row) => r.status)).toEqual(['UNCHANGED', 'UNCHANGED']);
    expect(again.body.map((r: Row) => r.id)).toEqual(rated.body.slice(0, 2).map((r: Row) => r.id));
    const servicesAgain = await post('/api/v1/services', [record(`${p}-0`), record(`${p}-1`)], key);
    expect(servicesAgain.body.map((r: Row) => r.status)).toEqual(['UNCHANGED', 'UNCHANGED']);
    expect(await countRows(server.app, 'rating r join service s on s.id = r.service_id', 's.project_no like ?', [`${p}-%`])).toBe(2);
  });

  it('answers 401 without a key or with a wrong one, 403 for a key of the wrong kind (R8)', async () => {
    const none = await post('/api/v1/services', [record(prefix())]);
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHENTICATED');
    const wrong = await post('/api/v1/evaluations', [], { 'x-api-key': 'hcp_not_a_key' });
    expect(wrong.status).toBe(401);
    const device = await post('/api/v1/services', [record(prefix())], { 'x-api-key': fx.keys.window });
    expect(device.status).toBe(403);
    expect(device.body.error.code).toBe('FORBIDDEN');
    const get = await fetch(`${server.url}/api/v1/services`, { headers: { 'x-api-key': fx.keys.market } });
    expect(get.status).toBe(405);
  });

  it('answers 400 for a body that is not a JSON array, 413 over the body limit or over 1,000 records (R8)', async () => {
    const key = { 'x-api-key': fx.keys.market };
    const object = await post('/api/v1/services', { projectNo: 'X' }, key);
    expect(object.status).toBe(400);
    expect(object.body.error.code).toBe('BAD_REQUEST');
    const broken = await post('/api/v1/evaluations', '[{', key);
    expect(broken.status).toBe(400);
    const huge = await post(
      '/api/v1/services',
      Array.from({ length: 2000 }, () => record('P'.repeat(50))),
      key,
    );
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const p = prefix();
    const many = await post(
      '/api/v1/evaluations',
      Array.from({ length: 1001 }, (_, i) => ({ projectNo: `${p}${i}`, serviceNumber: 1, satisfaction: 5 })),
      key,
    );
    expect(many.status).toBe(413);
    expect(many.body.error.code).toBe('BATCH_TOO_LARGE');
  });
});
