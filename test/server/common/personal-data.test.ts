import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import Database from 'better-sqlite3';
import { makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, ratingToken, submit } from '../../support/services.js';
import { PiiCipher } from '../../../server/src/common/crypto.js';
import { formatError } from '../../../server/src/graphql/format-error.js';
import { maskCertNo, maskName, maskPhone } from '../../../server/src/common/mask.logic.js';

const NAME = '欧阳娜娜';
const PHONE = '13987654321';
const CERT = '410102199003074518';
const HOTLINE_NAME = '司马光明';
const HOTLINE_PHONE = '15611112222';

let server: TestServer;
let fx: Fixture;
let ratingId: number;
const logged: string[] = [];

beforeAll(async () => {
  const capture = (chunk: unknown) => {
    logged.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  server = await startTestServer();
  fx = await makeFixture(server);
  const service = await newService(server, fx, { userName: NAME, mobile: PHONE, certKey: CERT });
  const token = await ratingToken(server, fx, service);
  const res = await submit(server, { token, level: 1, tags: ['115'], comment: '态度差' });
  ratingId = res.data!.submitEvaluation.id;
  const hotline = await newService(server, fx);
  await submit(
    server,
    { ...hotline, level: 2, tags: ['214'], channel: 'HOTLINE', raterName: HOTLINE_NAME, raterMobile: HOTLINE_PHONE },
    { apiKey: fx.keys.market },
  );
  // A database error quotes the SQL and its values: it must be logged without them.
  const driverError = new Error(`insert into rating values ('${NAME}', '${PHONE}') - value too long`);
  driverError.name = 'DriverException';
  formatError({ message: driverError.message }, driverError);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await server.close();
});

describe('personal data (R12)', () => {
  it('stores no plaintext name, phone or ID number in any table', async () => {
    const plaintexts = [NAME, PHONE, CERT, HOTLINE_NAME, HOTLINE_PHONE];
    const em = server.app.orm.em.fork();
    const tables = ['case_record', 'service', 'rating', 'audit_log', 'app_user', 'api_key', 'rollup_count', 'rollup_tag'];
    for (const table of tables) {
      const dump = JSON.stringify(await em.getConnection().execute(`select * from ${table}`));
      for (const plain of plaintexts) expect(dump, `${table} holds ${plain}`).not.toContain(plain);
    }
  });

  it('leaves none of the plaintexts in the SQLite file itself', async (ctx) => {
    if (server.app.dialect !== 'sqlite') ctx.skip();
    const file = server.app.orm.config.get('dbName') as string;
    const db = new Database(file, { readonly: true });
    try {
      db.pragma('wal_checkpoint(FULL)');
    } catch {
      // The server holds the file; the checkpoint is best effort, the WAL is read below as well.
    } finally {
      db.close();
    }
    const { readFileSync, existsSync } = await import('node:fs');
    const bytes = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
    for (const plain of [NAME, PHONE, CERT, HOTLINE_NAME, HOTLINE_PHONE]) expect(bytes.includes(Buffer.from(plain))).toBe(false);
  });

  it('writes none of the plaintexts to the logs', () => {
    const all = logged.join('');
    expect(all).toContain('unexpected error');
    for (const plain of [NAME, PHONE, CERT, HOTLINE_NAME, HOTLINE_PHONE]) expect(all).not.toContain(plain);
  });

  it('shows the rater masked to supervisors and hides the rater from the rated department', async () => {
    const supervisor = await sessionToken(server, 'super', 'super-pass');
    const officer = await sessionToken(server, 'market', 'market-pass');
    const seen = await server.gql<{ rating: { raterName: string; raterMobile: string } }>(operation('read-rating'), { id: ratingId }, { token: supervisor });
    expect(seen.data!.rating).toMatchObject({ raterName: '欧**娜', raterMobile: '139****4321' });
    const hidden = await server.gql<{ rating: { raterName: string | null; raterMobile: string | null } }>(
      operation('read-rating'),
      { id: ratingId },
      { token: officer },
    );
    expect(hidden.data!.rating).toMatchObject({ raterName: null, raterMobile: null });
  });

  it('keeps the key id with each sealed value and opens values sealed with a rotated key', () => {
    const oldKey = Buffer.alloc(32, 1);
    const sealedWithOld = new PiiCipher('old', oldKey).encrypt(NAME);
    const rotated = new PiiCipher('new', Buffer.alloc(32, 2), [['old', oldKey]]);
    expect(rotated.keyIdOf(sealedWithOld)).toBe('old');
    expect(rotated.decrypt(sealedWithOld)).toBe(NAME);
    expect(rotated.keyIdOf(rotated.encrypt(NAME))).toBe('new');
    expect(() => new PiiCipher('other', Buffer.alloc(32, 3)).decrypt(sealedWithOld)).toThrow(/unknown key/);
  });

  it('masks names, phones and ID numbers for display', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('张小三')).toBe('张*三');
    expect(maskName('欧阳娜娜')).toBe('欧**娜');
    expect(maskPhone('13812341234')).toBe('138****1234');
    expect(maskCertNo(CERT)).toBe('410102********4518');
  });
});
