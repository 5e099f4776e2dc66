import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupDatabase, restoreDatabase } from '../../../server/src/db/backup.js';
import { throwawayDatabase } from '../../support/database.js';
import { makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { startTestServer, type TestServer, type ThrowawayDatabase } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

const FIGURES = operation('department-figures');
const PG = Boolean(process.env.DATABASE_URL);

let source: ThrowawayDatabase;
let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  source = await throwawayDatabase();
  server = await startTestServer({}, undefined, { database: source });
  fx = await makeFixture(server);
  for (const level of [5, 5, 4, 3, 1]) {
    const service = await newService(server, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    const res = await submit(server, { ...service, level, ...(level === 1 ? { tags: ['115'], comment: '等候时间太长' } : {}) }, { apiKey: fx.keys.market });
    expect(res.errors).toBeUndefined();
  }
}, 60_000);
afterAll(async () => {
  await server.close();
  await source.drop();
});

async function figures(s: TestServer): Promise<unknown> {
  const token = await sessionToken(s, 'market', 'market-pass');
  const res = await s.gql(FIGURES, { staff: true }, { token });
  expect(res.errors).toBeUndefined();
  return res.data;
}

describe('backup and restore', () => {
  it(`a backup taken while the server runs, restored into a fresh instance, gives the same figures (${PG ? 'pg_dump' : 'SQLite online backup'})`, async () => {
    const before = await figures(server);
    expect(before).toMatchObject({ overview: { total: 5, bad: 1 } });
    const out = join(mkdtempSync(join(tmpdir(), 'hcp-backup-')), `backup.${PG ? 'dump' : 'sqlite'}`);
    await backupDatabase(source, out);
    expect(statSync(out).mode & 0o777).toBe(0o600);

    const fresh = await throwawayDatabase();
    const target = { ...fresh, sqliteFile: fresh.sqliteFile };
    await restoreDatabase(target, out);
    if (!PG) expect(statSync(target.sqliteFile!).mode & 0o777).toBe(0o600);
    // Restoring over a database that is there is refused unless forced (SQLite).
    if (!PG) await expect(restoreDatabase(target, out)).rejects.toThrow(/exists/);
    const restored = await startTestServer({}, server.clock, { database: target });
    try {
      expect(await figures(restored)).toEqual(before);
    } finally {
      await restored.close();
      await fresh.drop();
    }
  }, 60_000);
});
