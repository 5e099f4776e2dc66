import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { backupDatabase } from '../../../server/src/db/backup.js';
import { formatError } from '../../../server/src/graphql/format-error.js';
import { throwawayDatabase } from '../../support/database.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { startTestServer, type TestServer, type ThrowawayDatabase } from '../../support/server.js';
import { newService, ratingToken, submit } from '../../support/services.js';

/**
 * Issue 10, item 6 (数据保密性): after a run that stores ratings with a name, a mobile, an ID number and
 * a comment holding a phone, an ID number and an e-mail address, and a backup taken by `npm run backup`'s
 * function, none of the plaintexts is anywhere: not in the SQLite file, its WAL, the backup file or the
 * server's log output; on PostgreSQL not in a plain `pg_dump` of the database (nor in the log).
 */
const PG = Boolean(process.env.DATABASE_URL);
const APPLICANT = '端木晓霞';
const APPLICANT_MOBILE = '13765432109';
const APPLICANT_CERT = '320106198511203411';
const RATER = '上官明远';
const RATER_MOBILE = '15987651234';
const COMMENT_PHONE = '13900001111';
const COMMENT_CERT = '11010519491231002X';
const COMMENT_EMAIL = 'duanmu.xx@example.com';
const PLAINTEXTS = [APPLICANT, APPLICANT_MOBILE, APPLICANT_CERT, RATER, RATER_MOBILE, COMMENT_PHONE, COMMENT_CERT, COMMENT_EMAIL];

let database: ThrowawayDatabase;
let server: TestServer;
let fx: Fixture;
const logged: string[] = [];
const workDir = mkdtempSync(join(tmpdir(), 'hcp-plaintext-'));

beforeAll(async () => {
  const capture = (chunk: unknown) => {
    logged.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  database = await throwawayDatabase();
  server = await startTestServer({}, undefined, { database });
  fx = await makeFixture(server);
  const comment = `态度差，请回电${COMMENT_PHONE}，身份证${COMMENT_CERT}，邮箱${COMMENT_EMAIL}`;
  // A citizen rating with the applicant's data, by token.
  const service = await newService(server, fx, { userName: APPLICANT, mobile: APPLICANT_MOBILE, certKey: APPLICANT_CERT });
  const token = await ratingToken(server, fx, service);
  expect((await submit(server, { token, level: 1, tags: ['115'], comment })).errors).toBeUndefined();
  // A 12345 phone rating naming another rater, with the same kind of comment.
  const hotline = await newService(server, fx, { userName: APPLICANT, mobile: APPLICANT_MOBILE, certKey: APPLICANT_CERT });
  const named = await submit(
    server,
    { ...hotline, level: 2, tags: ['214'], channel: 'HOTLINE', raterName: RATER, raterMobile: RATER_MOBILE, comment },
    { apiKey: fx.keys.market },
  );
  expect(named.errors).toBeUndefined();
  // Refused input quoting the values: it must not reach the log either.
  const refused = await submit(server, { ...hotline, level: 9, comment: `${comment}${'长'.repeat(3000)}` }, { apiKey: fx.keys.market });
  expect(refused.errors).toBeDefined();
  // An unexpected error whose driver message quotes the values goes through the server's error log.
  const driverError = new Error(`insert into rating values ('${RATER}', '${RATER_MOBILE}', '${comment}') - value too long`);
  driverError.name = 'DriverException';
  formatError({ message: driverError.message }, driverError);
}, 60_000);
afterAll(async () => {
  vi.restoreAllMocks();
  await server.close();
  await database.drop();
  rmSync(workDir, { recursive: true, force: true });
});

function holds(bytes: Buffer): string[] {
  return PLAINTEXTS.filter((plain) => bytes.includes(Buffer.from(plain, 'utf8')));
}

describe('no plaintext personal data anywhere (issue 10, R12)', () => {
  it(`leaves no name, mobile, ID number or comment contact in ${PG ? 'a plain pg_dump of the database' : 'the SQLite file, its WAL or the backup file'} (R12)`, async () => {
    const backup = join(workDir, `backup.${PG ? 'dump' : 'sqlite'}`);
    await backupDatabase(database, backup);
    const files: Array<[string, Buffer]> = [];
    if (PG) {
      // The backup is pg_dump's compressed custom format: the plain format is what can be searched.
      const { stdout } = await promisify(execFile)('pg_dump', ['--format=plain', '--no-owner', '--dbname', database.databaseUrl!], {
        maxBuffer: 256 * 1024 * 1024,
        encoding: 'buffer',
      });
      files.push(['pg_dump --format=plain', stdout]);
    } else {
      const file = server.app.orm.config.get('dbName') as string;
      expect(existsSync(file)).toBe(true);
      for (const path of [file, `${file}-wal`, backup]) if (existsSync(path)) files.push([path, readFileSync(path)]);
      expect(files.length).toBeGreaterThanOrEqual(2);
    }
    // The search works: the comment's masked form is there (the values it masked are not).
    expect(Buffer.concat(files.map(([, b]) => b)).includes(Buffer.from('态度差，请回电'))).toBe(true);
    for (const [name, bytes] of files) expect(holds(bytes), name).toEqual([]);
  });

  it("writes none of them to the server's log output (R12)", () => {
    const all = Buffer.from(logged.join(''));
    expect(all.toString()).toContain('unexpected error');
    expect(holds(all)).toEqual([]);
  });
});
