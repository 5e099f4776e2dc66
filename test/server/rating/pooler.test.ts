import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

// Behind PgBouncer in transaction mode a client's statements may reach another server connection than
// the one that prepared them: with PG_NAMED_STATEMENTS off nothing is prepared under a name.
let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer({ pgNamedStatements: false });
  fx = await makeFixture(server);
});
afterAll(() => server.close());

describe('rating without named prepared statements (PG_NAMED_STATEMENTS=off)', () => {
  it('stores ratings arriving together once each and refuses the second of a service (R9)', async () => {
    const services = await Promise.all(Array.from({ length: 6 }, () => newService(server, fx)));
    const before = await rollupTotal(server.app, 'T');
    const results = await Promise.all([
      ...services.map((s) => submit(server, { ...s, level: 5 }, { apiKey: fx.keys.market })),
      submit(server, { ...services[0]!, level: 4 }, { apiKey: fx.keys.market }),
    ]);
    expect(results.filter((r) => !r.errors)).toHaveLength(6);
    expect(results.filter((r) => codeOf(r) === 'ALREADY_RATED')).toHaveLength(1);
    expect(await rollupTotal(server.app, 'T')).toBe(before + 6);
    const again = await submit(server, { ...services[1]!, level: 1, comment: '再评' }, { apiKey: fx.keys.market });
    expect(codeOf(again)).toBe('ALREADY_RATED');
    expect(await countRows(server.app, 'rating')).toBeGreaterThanOrEqual(6);
    expect(await rollupTotal(server.app, 'T')).toBe(before + 6);
  });
});
