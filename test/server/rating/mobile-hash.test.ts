import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Em } from '../../../server/src/db/orm.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

let server: TestServer;
let fx: Fixture;
const rows = <T>(sql: string, params: unknown[] = []) => (server.app.orm.em.fork() as Em).execute<T[]>(sql, params);

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(() => server.close());

async function rateCase(mobile: string, keptHash?: string | null): Promise<{ rating: string | null; kept: string | null }> {
  const service = await newService(server, fx, { mobile });
  if (keptHash !== undefined) {
    await rows('update case_record set applicant_mobile_hash = ? where project_no = ?', [keptHash, service.projectNo]);
  }
  const res = await submit(server, { ...service, level: 5 }, { apiKey: fx.keys.market });
  expect(res.errors).toBeUndefined();
  const [row] = await rows<{ rating: string | null; kept: string | null }>(
    'select r.rater_mobile_hash as rating, c.applicant_mobile_hash as kept from rating r join case_record c on c.id = r.case_id where c.project_no = ?',
    [service.projectNo],
  );
  return row!;
}

describe("the applicant's mobile hash kept at registration", () => {
  it('gives a rating the same keyed hash as hashing the sealed number, never the number itself (R18)', async () => {
    const kept = await rateCase('13955556666');
    expect(kept.rating).toMatch(/^[0-9a-f]{40}$/);
    // Kept as `<algorithm>.<key id>:<hash>`, the hash the rating carries.
    expect(kept.kept).toBe(`${server.app.cipher.blindIndexTag}:${kept.rating}`);
    expect(kept.kept).not.toContain('13955556666');

    // A case registered before the column (null), or hashed under a key no longer current: the sealed number is hashed.
    const legacy = await rateCase('13955556666', null);
    const stale = await rateCase('13955556666', `v1.retired:${'0'.repeat(40)}`);
    expect(legacy.rating).toBe(kept.rating);
    expect(stale.rating).toBe(kept.rating);

    const other = await rateCase('13955557777');
    expect(other.rating).toMatch(/^[0-9a-f]{40}$/);
    expect(other.rating).not.toBe(kept.rating);
  });
});
