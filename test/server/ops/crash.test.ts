import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../server/src/app/app.js';
import { dialectOf, type Em } from '../../../server/src/db/orm.js';
import { rebuildRollups } from '../../../server/src/stats/rebuild.js';
import { throwawayDatabase } from '../../support/database.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { gql, startTestServer, type ThrowawayDatabase } from '../../support/server.js';

/**
 * Crash safety (issue 10, item 9): the real server as a child process under rating load, killed with
 * SIGKILL at random points and restarted; every rating the server acknowledged is still there once,
 * and every rollup equals a recount of the raw rows. SIGTERM lets a request in flight finish.
 */
const PG = Boolean(process.env.DATABASE_URL);
const ROUNDS = PG ? 8 : 20;
const CLIENTS = 4;
const PII_KEY = Buffer.alloc(32, 7).toString('base64');
const AUTH_SECRET = 'test-secret-test-secret-test-secret';

let database: ThrowawayDatabase;
let fx: Fixture;
/** The server's entry bundled once (as tsx would run it, minus compiling it again at each of the restarts). */
const ENTRY = join('dist', `crash-test-${process.pid}`, 'main.mjs');

beforeAll(async () => {
  await build({
    entryPoints: ['server/src/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: ENTRY,
    logLevel: 'warning',
  });
  const db = await throwawayDatabase();
  // The child process opens DATA_DIR/haochaping.sqlite, the default file of `npm start`.
  database = { ...db, sqliteFile: db.sqliteFile ? join(db.dataDir, 'haochaping.sqlite') : undefined };
  const seeding = await startTestServer({}, undefined, { database });
  fx = await makeFixture(seeding);
  await seeding.close();
}, 60_000);
afterAll(async () => {
  await database.drop();
  rmSync(dirname(ENTRY), { recursive: true, force: true });
});

interface Child {
  process: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** The server's entry (`server/src/main.ts`, bundled) on the throwaway database, resolved once it listens. */
function spawnServer(): Promise<Child> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    DATA_DIR: database.dataDir,
    DATABASE_URL: database.databaseUrl ?? '',
    REDIS_URL: '',
    PORT: '0',
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    SERVE_DASHBOARD: 'false',
    PII_KEY,
    PII_KEY_ID: 'test',
    AUTH_SECRET,
    MIN_PUBLIC_RATINGS: '0',
    LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, [ENTRY], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ process: child, url: m[1]!, exited });
    });
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${err.slice(-2000)}`)));
  });
}

interface Pending {
  projectNo: string;
  submissionId: string;
  level: number;
  registered: boolean;
}

let seq = 0;
function newPending(): Pending {
  return {
    projectNo: `CR${Date.now().toString(36)}${(seq++).toString().padStart(5, '0')}`,
    submissionId: randomBytes(16).toString('hex'),
    level: 1 + (seq % 5),
    registered: false,
  };
}

describe('crash safety', () => {
  it(`keeps every acknowledged rating once and every rollup equal to a recount across ${ROUNDS} SIGKILLs (R9, R13)`, async () => {
    const acknowledged = new Map<string, number>(); // projectNo → rating id
    const unsure: Pending[] = []; // answered by no one: retried with the same submissionId next round
    let refusedAlready = 0;
    const rounds: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const child = await spawnServer();
      let alive = true;
      let killed = false;
      let acked = 0;
      let failed = 0;
      const client = async () => {
        while (alive) {
          const p = unsure.shift() ?? newPending();
          try {
            if (!p.registered) {
              const reg = await gql<{ registerService: { id: number } }>(
                child.url,
                operation('register-service'),
                {
                  input: {
                    projectNo: p.projectNo,
                    serviceNumber: 1,
                    serviceName: '受理',
                    taskCode: fx.items.business.taskCode,
                    deptCode: fx.departments.market.creditCode,
                    proStatus: 3,
                    resultDate: new Date().toISOString(),
                    userName: '张小三',
                    mobile: '13812341234',
                    certKey: '41010219900101123X',
                    userProp: 1,
                    proChannel: 2,
                  },
                },
                { apiKey: fx.keys.market },
              );
              if (!reg.data) throw new Error(`registerService: ${JSON.stringify(reg.errors)}`);
              p.registered = true;
            }
            const res = await gql<{ submitEvaluation: { id: number } }>(
              child.url,
              operation('submit-evaluation'),
              {
                input: {
                  projectNo: p.projectNo,
                  serviceNumber: 1,
                  level: p.level,
                  submissionId: p.submissionId,
                  ...(p.level <= 2 ? { comment: '办理太慢' } : {}),
                },
              },
              { apiKey: fx.keys.market },
            );
            if (res.data?.submitEvaluation) {
              acknowledged.set(p.projectNo, res.data.submitEvaluation.id);
              acked++;
            } else if (res.errors?.[0]?.extensions?.code === 'ALREADY_RATED') {
              refusedAlready++;
            } else throw new Error(`submitEvaluation: ${JSON.stringify(res.errors)}`);
          } catch (e) {
            if (!killed) throw e; // any failure before the kill is a defect
            failed++;
            unsure.push(p); // connection refused or reset: the outcome is unknown
            return;
          }
        }
      };
      const clients = Array.from({ length: CLIENTS }, client);
      // A random point once ratings flow (the first answers of a new process are slow on a busy machine).
      for (let waited = 0; acked === 0 && waited < 10_000; waited += 50) await new Promise((done) => setTimeout(done, 50));
      await new Promise((done) => setTimeout(done, Math.random() * 1500));
      killed = true;
      child.process.kill('SIGKILL');
      await child.exited;
      alive = false;
      await Promise.all(clients);
      rounds.push(`round ${round}: ${acked} acknowledged, ${failed} cut off`);
    }
    // One last clean run settles the ratings whose answer was lost (same submissionId: the stored one comes back).
    const last = await spawnServer();
    for (const p of unsure.splice(0)) {
      if (!p.registered) continue;
      const res = await gql<{ submitEvaluation: { id: number } }>(
        last.url,
        operation('submit-evaluation'),
        { input: { projectNo: p.projectNo, serviceNumber: 1, level: p.level, submissionId: p.submissionId, ...(p.level <= 2 ? { comment: '办理太慢' } : {}) } },
        { apiKey: fx.keys.market },
      );
      if (res.data?.submitEvaluation) acknowledged.set(p.projectNo, res.data.submitEvaluation.id);
      else expect(res.errors?.[0]?.extensions?.code).toBe('ALREADY_RATED');
    }
    last.process.kill('SIGTERM');
    expect(await last.exited).toBe(0);

    const app = await createApp({
      sqliteFile: database.sqliteFile,
      config: { dataDir: database.dataDir, databaseUrl: database.databaseUrl, seedDemo: false, piiKey: PII_KEY, piiKeyId: 'test', authSecret: AUTH_SECRET },
    });
    try {
      const em = app.orm.em.fork() as Em;
      const rows = await em.execute<Array<{ id: number | string; project_no: string }>>(
        `select r.id, s.project_no from rating r join service s on s.id = r.service_id where s.project_no like 'CR%'`,
      );
      const byProject = new Map<string, number[]>();
      for (const r of rows) byProject.set(r.project_no, [...(byProject.get(r.project_no) ?? []), Number(r.id)]);
      const missing = [...acknowledged].filter(([projectNo, id]) => !byProject.get(projectNo)?.includes(id));
      const twice = [...byProject].filter(([, ids]) => ids.length > 1);
      const report = await rebuildRollups(em, { fix: false, dialect: dialectOf({ databaseUrl: database.databaseUrl, sqliteFile: database.sqliteFile }) });
      console.log(
        [
          `crash test on ${PG ? 'PostgreSQL' : 'SQLite'}: ${ROUNDS} SIGKILL rounds, ${CLIENTS} clients`,
          ...rounds,
          `acknowledged ${acknowledged.size}, stored ${rows.length}, missing ${missing.length}, counted twice ${twice.length}, ALREADY_RATED on resend ${refusedAlready}, rollup differences ${report.differences.length} (ratings recounted ${report.ratings})`,
        ].join('\n'),
      );
      expect(acknowledged.size).toBeGreaterThan(ROUNDS);
      expect(missing).toEqual([]);
      expect(twice).toEqual([]);
      expect(report.differences).toEqual([]);
    } finally {
      await app.close();
    }
  }, 400_000);

  it('lets a request in flight finish when SIGTERM arrives, then exits 0', async () => {
    const child = await spawnServer();
    const body = JSON.stringify({ query: '{ __typename }' });
    const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${child.url}/graphql`,
        { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      // Half the body now: the request is in flight on the server when SIGTERM arrives.
      req.write(body.slice(0, 5));
      setTimeout(() => {
        child.process.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(5)), 300);
      }, 300);
    });
    const res = await answer;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ data: { __typename: 'Query' } });
    expect(await child.exited).toBe(0);
  }, 60_000);
});
