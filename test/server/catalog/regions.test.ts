import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CITY, DISTRICT_A, DISTRICT_B, makeFixture } from '../../support/fixture.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await makeFixture(server);
});
afterAll(() => server.close());

type Regions = { regions: Array<{ code: string }> };

describe('regions query (R4)', () => {
  it('lists the top level when no parent is given, as the big screen asks for it', async () => {
    const res = await server.gql<Regions>('{ regions { code name level } }');
    expect(res.errors).toBeUndefined();
    expect(res.data!.regions.map((r) => r.code)).toEqual(['410000000000']); // the fixture's province
  });

  it('lists the regions under a parent, and refuses a malformed parent code', async () => {
    const res = await server.gql<Regions>('query ($p: String) { regions(parentCode: $p) { code } }', { p: CITY });
    expect(res.data!.regions.map((r) => r.code)).toEqual(expect.arrayContaining([DISTRICT_A, DISTRICT_B]));
    expect(codeOf(await server.gql('query ($p: String) { regions(parentCode: $p) { code } }', { p: "1' or '1'='1" }))).toBe('BAD_USER_INPUT');
  });
});
