import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISTRICT_A, DISTRICT_B, makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
  for (let i = 0; i < 3; i++) await submit(server, { ...(await newService(server, fx)), level: 5 }, { apiKey: fx.keys.market });
  for (let i = 0; i < 2; i++)
    await submit(
      server,
      { ...(await newService(server, fx, { deptCode: fx.departments.social.creditCode, taskCode: fx.items.pension.taskCode, key: fx.keys.social })), level: 4 },
      { apiKey: fx.keys.social },
    );
});
afterAll(() => server.close());

async function screenToken(vars: Record<string, unknown>): Promise<string> {
  const admin = await sessionToken(server, 'admin', 'admin-pass');
  const res = await server.gql<{ issueScreenToken: { token: string } }>(
    operation('issue-screen-token'),
    { kind: 'SCREEN', label: '大厅大屏', ...vars },
    { token: admin },
  );
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.issueScreenToken.token;
}

const OVERVIEW = 'query ($filter: StatsFilter) { overview(filter: $filter) { total } }';

describe('screen and embed tokens (R12)', () => {
  it('are locked to their region on the server: figures of the region by default, elsewhere FORBIDDEN', async () => {
    const token = await screenToken({ regionCode: DISTRICT_A });
    const own = await server.gql<{ overview: { total: number } }>(OVERVIEW, {}, { token });
    expect(own.data!.overview.total).toBe(3);
    expect(codeOf(await server.gql(OVERVIEW, { filter: { regionCode: DISTRICT_B } }, { token }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(OVERVIEW, { filter: { departmentId: fx.departments.social.id } }, { token }))).toBe('FORBIDDEN');
    expect((await server.gql(OVERVIEW, { filter: { departmentId: fx.departments.market.id } }, { token })).errors).toBeUndefined();
  });

  it('lock the rectification figures the same way: their own scope by default, any other FORBIDDEN (R12)', async () => {
    const RECT = 'query ($regionCode: String, $departmentId: Int) { rectificationFigures(regionCode: $regionCode, departmentId: $departmentId) { scope } }';
    const region = await screenToken({ regionCode: DISTRICT_A });
    expect((await server.gql<{ rectificationFigures: { scope: string } }>(RECT, {}, { token: region })).data!.rectificationFigures.scope).toBe(
      `R:${DISTRICT_A}`,
    );
    expect(codeOf(await server.gql(RECT, { regionCode: DISTRICT_B }, { token: region }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(RECT, { departmentId: fx.departments.social.id }, { token: region }))).toBe('FORBIDDEN');
    expect((await server.gql(RECT, { departmentId: fx.departments.market.id }, { token: region })).errors).toBeUndefined();
    const department = await screenToken({ departmentId: fx.departments.social.id });
    expect((await server.gql<{ rectificationFigures: { scope: string } }>(RECT, {}, { token: department })).data!.rectificationFigures.scope).toBe(
      `D:${fx.departments.social.id}`,
    );
    expect(codeOf(await server.gql(RECT, { departmentId: fx.departments.market.id }, { token: department }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(RECT, { regionCode: DISTRICT_A }, { token: department }))).toBe('FORBIDDEN');
  });

  it('are locked to their department and its sub-units', async () => {
    const token = await screenToken({ departmentId: fx.departments.social.id });
    expect((await server.gql<{ overview: { total: number } }>(OVERVIEW, {}, { token })).data!.overview.total).toBe(2);
    expect(codeOf(await server.gql(OVERVIEW, { filter: { departmentId: fx.departments.market.id } }, { token }))).toBe('FORBIDDEN');
  });
});

describe('officials outside their own unit', () => {
  it('see what an anonymous caller sees, never less (R12, R21)', async () => {
    const officer = await sessionToken(server, 'market', 'market-pass');
    const filter = { regionCode: DISTRICT_B };
    const anonymous = await server.gql(OVERVIEW, { filter });
    const signedIn = await server.gql(OVERVIEW, { filter }, { token: officer });
    expect(anonymous.errors).toBeUndefined();
    expect(signedIn).toEqual(anonymous);
  });
});

describe('window', () => {
  it('shows a device only its own window and staff (R7, R12)', async () => {
    const q = 'query ($id: Int!) { window(id: $id) { no staff { workNo name } } }';
    const own = await server.gql<{ window: { no: string } }>(q, { id: fx.window.id }, { apiKey: fx.keys.window });
    expect(own.data!.window.no).toBe('A01');
    expect(codeOf(await server.gql(q, { id: fx.window.id }, { apiKey: fx.keys.otherWindow }))).toBe('FORBIDDEN');
  });
});
