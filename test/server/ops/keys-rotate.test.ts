import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateKeysAudited } from '../../../server/src/auth/maintenance.service.js';
import { PiiCipher } from '../../../server/src/common/crypto.js';
import { rotateSealedValues, SEALED_COLUMNS } from '../../../server/src/db/key-rotation.js';
import type { Em } from '../../../server/src/db/orm.js';
import { throwawayDatabase } from '../../support/database.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { startTestServer, type TestServer, type ThrowawayDatabase } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

const OLD = Buffer.alloc(32, 7); // the test servers' key, id 'test'
const NEW = Buffer.alloc(32, 9);

let database: ThrowawayDatabase;
let fx: Fixture;

beforeAll(async () => {
  database = await throwawayDatabase();
  const first = await startTestServer({}, undefined, { database });
  fx = await makeFixture(first);
  for (const level of [5, 2, 1]) {
    const service = await newService(first, fx, { userName: '张小三', mobile: '13812341234' });
    const res = await submit(first, { ...service, level, ...(level < 3 ? { comment: '窗口人员态度差，电话13900001111' } : {}) }, { apiKey: fx.keys.market });
    expect(res.errors).toBeUndefined();
  }
  await first.close();
}, 60_000);
afterAll(() => database.drop());

/** Every sealed value in the database (outbox payloads: each `$sealed` leaf). */
async function sealedValues(server: TestServer): Promise<string[]> {
  const em = server.app.orm.em.fork() as Em;
  const values: string[] = [];
  for (const { table, columns, json } of SEALED_COLUMNS) {
    for (const row of await em.execute<Array<Record<string, unknown>>>(`select ${columns.join(', ')} from ${table}`)) {
      for (const c of columns) {
        const v = row[c];
        if (typeof v !== 'string' || !v) continue;
        if (json) values.push(...[...v.matchAll(/"\$sealed":"([^"]+)"/g)].map((m) => m[1]!));
        else values.push(v);
      }
    }
  }
  return values;
}

/** The audit records of one action, oldest first. */
async function auditRecords(server: TestServer, action: string): Promise<Array<Record<string, string>>> {
  return (server.app.orm.em.fork() as Em).execute(`select actor, role, subject, outcome, detail from audit_log where action = ? order by id`, [action]);
}

describe('keys:rotate', () => {
  it('reseals every personal value and sealed outbox payload under the new key while the server runs (R12)', async () => {
    // New PII_KEY and PII_KEY_ID, the old key in PII_OLD_KEYS, restart.
    const server = await startTestServer({ piiKey: NEW.toString('base64'), piiKeyId: 'k2', piiOldKeys: `test:${OLD.toString('base64')}` }, undefined, {
      database,
    });
    try {
      const before = await sealedValues(server);
      expect(before.length).toBeGreaterThanOrEqual(3 * 3 + 2 + 3);
      expect(before.every((v) => v.startsWith('v1.test.'))).toBe(true);
      const sealedPayloads = await (server.app.orm.em.fork() as Em).execute<Array<{ n: number | string }>>(
        `select count(*) as n from outbox where payload like '%"$sealed"%'`,
      );
      expect(Number(sealedPayloads[0]!.n)).toBeGreaterThan(0);
      const oldCipher = new PiiCipher('test', OLD);
      const plain = before.map((v) => oldCipher.decrypt(v)).sort();

      // A rating made after the restart is sealed under the new key already; it is left as it is.
      const service = await newService(server, fx);
      expect((await submit(server, { ...service, level: 1, comment: '不满意' }, { apiKey: fx.keys.market })).errors).toBeUndefined();
      const fresh = (await sealedValues(server)).filter((v) => v.startsWith('v1.k2.'));
      expect(fresh.length).toBeGreaterThan(0);

      // The path `npm run keys:rotate` takes: the run is audited with its counts (issue 10, 安全审计).
      const report = await rotateKeysAudited(server.app, server.app.cipher, { batch: 2 });
      expect(report.failed).toEqual([]);
      expect(report.resealed).toBeGreaterThanOrEqual(3 * 3 + 3);
      const [record] = await auditRecords(server, 'keys.rotate');
      expect(record).toMatchObject({ actor: 'cli:keys:rotate', role: 'system', subject: 'pii-key:k2', outcome: 'ok' });
      expect(record!.detail).toBe(`rows read ${report.rows}, resealed ${report.resealed}, not opened 0`);

      const after = await sealedValues(server);
      expect(after.every((v) => v.startsWith('v1.k2.'))).toBe(true);
      const newOnly = new PiiCipher('k2', NEW); // the old key dropped: everything still opens, unchanged
      const reopened = after.map((v) => newOnly.decrypt(v));
      expect(reopened.sort()).toEqual([...plain, ...fresh.map((v) => newOnly.decrypt(v))].sort());
      expect(reopened).toContain('张小三');

      // A second run finds nothing left to do.
      expect((await rotateSealedValues(server.app.orm.em.fork() as Em, server.app.cipher)).resealed).toBe(0);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('reports values it cannot open instead of failing (the old key missing from PII_OLD_KEYS)', async () => {
    const server = await startTestServer({ piiKey: Buffer.alloc(32, 11).toString('base64'), piiKeyId: 'k3' }, undefined, { database });
    try {
      const report = await rotateKeysAudited(server.app, server.app.cipher);
      expect(report.resealed).toBe(0);
      expect(report.failed.length).toBeGreaterThan(0);
      expect(report.failed[0]!.error).toMatch(/key k2/);
      const records = await auditRecords(server, 'keys.rotate');
      expect(records[records.length - 1]).toMatchObject({
        subject: 'pii-key:k3',
        outcome: 'failed',
        detail: expect.stringContaining(`not opened ${report.failed.length}`),
      });
    } finally {
      await server.close();
    }
  }, 60_000);
});
