import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
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
 *
 * SQLite run: 20 rounds, the application server killed. PostgreSQL run: the suite's shared PostgreSQL is
 * left alone; the test starts a private cluster of its own (initdb in a temp folder, a free port) and
 * kills the PostgreSQL server (the postmaster and its backends, SIGKILL to its process group) and the
 * application server in each of 4 rounds, in a random order at random points, then restarts both.
 */
const PG = Boolean(process.env.DATABASE_URL);
const ROUNDS = PG ? 4 : 20;
const CLIENTS = 4;
const PII_KEY = Buffer.alloc(32, 7).toString('base64');
const AUTH_SECRET = 'test-secret-test-secret-test-secret';

let database: ThrowawayDatabase;
let fx: Fixture;
/** PostgreSQL run: the private cluster the test kills. */
let cluster: Cluster | undefined;
/** The server's entry bundled once (as tsx would run it, minus compiling it again at each of the restarts). */
const ENTRY = join('dist', `crash-test-${process.pid}`, 'main.mjs');
/**
 * What each server process runs: it first loads the libraries the entry imports (most of a start: seconds
 * on a loaded machine), says `ready`, and waits for `go` on its stdin before it runs the entry itself, which
 * opens the database and listens. So the next round's process loads while this round's server takes load,
 * and is told to start only once this one is dead: the restart still opens the database after the kill.
 */
const LAUNCHER = join(dirname(ENTRY), 'launch.mjs');

beforeAll(async () => {
  const bundled = await build({
    entryPoints: ['server/src/main.ts'],
    bundle: true,
    platform: 'node',
    format: 'esm',
    packages: 'external',
    outfile: ENTRY,
    logLevel: 'warning',
    metafile: true,
  });
  const libraries = [
    ...new Set(Object.values(bundled.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external && i.kind === 'import-statement').map((i) => i.path))),
  ];
  writeFileSync(
    LAUNCHER,
    [
      `for (const library of ${JSON.stringify(libraries)}) await import(library);`,
      `process.stdout.write('ready\\n');`,
      `process.stdin.once('data', () => {`,
      `  process.stdin.pause();`,
      // The entry starts the server only when it is the script node was given (server/src/main.ts).
      `  process.argv[1] = ${JSON.stringify(resolve(ENTRY))};`,
      `  void import(${JSON.stringify(pathToFileURL(resolve(ENTRY)).href)});`,
      `});`,
    ].join('\n'),
  );
  if (PG) {
    cluster = await privateCluster();
    await cluster.start();
    const dataDir = mkdtempSync(join(tmpdir(), 'hcp-test-'));
    database = { databaseUrl: cluster.url, dataDir, drop: async () => rmSync(dataDir, { recursive: true, force: true }) };
  } else {
    const db = await throwawayDatabase();
    // The child process opens DATA_DIR/haochaping.sqlite, the default file of `npm start`.
    database = { ...db, sqliteFile: db.sqliteFile ? join(db.dataDir, 'haochaping.sqlite') : undefined };
  }
  const seeding = await startTestServer({}, undefined, { database });
  fx = await makeFixture(seeding);
  await seeding.close();
}, 60_000);
afterAll(async () => {
  // A process loaded for a round that never came (a failed test): stopped before its database goes.
  for (const child of processes) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await database?.drop();
  await cluster?.remove();
  rmSync(dirname(ENTRY), { recursive: true, force: true });
});

interface Cluster {
  url: string;
  /** Starts the postmaster (after a crash: PostgreSQL's own recovery from its WAL) and waits until it answers. */
  start(): Promise<void>;
  /** SIGKILL to the postmaster and every backend (its process group): a crash of the database server. */
  kill(): Promise<void>;
  /** Stops it (fast shutdown) and deletes its files. */
  remove(): Promise<void>;
}

/**
 * A PostgreSQL cluster of the test's own, so killing it does not hurt the suite's shared server
 * (scripts/services.sh). Run as the `postgres` user when the test runs as root, as initdb requires.
 */
async function privateCluster(): Promise<Cluster> {
  const version = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))[0];
  const bin = `/usr/lib/postgresql/${version}/bin`;
  const root = mkdtempSync(join(tmpdir(), 'hcp-pgcrash-'));
  const data = join(root, 'data');
  const owner = process.getuid?.() === 0 ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};
  if (owner.uid !== undefined) chownSync(root, owner.uid, owner.gid!);
  await promisify(execFile)(`${bin}/initdb`, ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync'], owner);
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let postmaster: { process: ChildProcess; exited: Promise<void> } | undefined;
  let log = '';
  const answers = async (): Promise<boolean> => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  const start = async (): Promise<void> => {
    if (postmaster) return; // running
    for (let attempt = 1; ; attempt++) {
      // Defaults kept: fsync and synchronous_commit on, as in production.
      const child = spawn(`${bin}/postgres`, ['-D', data, '-p', String(port), '-k', root, '-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=60'], {
        ...owner,
        detached: true,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      let down = false;
      void exited.then(() => (down = true));
      for (let waited = 0; !down && waited < 60_000; waited += 100) {
        if ((await answers()) && !down) {
          postmaster = { process: child, exited };
          return;
        }
        await new Promise((done) => setTimeout(done, 100));
      }
      if (!down) signal(-child.pid!, 'SIGKILL');
      // A backend of the killed server may still hold the shared memory for a moment: try again.
      if (attempt >= 5) throw new Error(`private PostgreSQL did not start: ${log}`);
      await new Promise((done) => setTimeout(done, 500));
    }
  };
  /** Our own postmaster (or its process group) only, by id; gone already is fine. */
  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
  };
  return {
    url,
    start,
    kill: async () => {
      if (!postmaster) return;
      signal(-postmaster.process.pid!, 'SIGKILL');
      await postmaster.exited;
      postmaster = undefined;
    },
    remove: async () => {
      if (postmaster) {
        signal(postmaster.process.pid!, 'SIGINT');
        await postmaster.exited;
        postmaster = undefined;
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

interface Child {
  process: ChildProcess;
  url: string;
  exited: Promise<number | null>;
}

/** Every server process the test started. */
const processes = new Set<ChildProcess>();

/** A server process (LAUNCHER) with its libraries loaded, waiting to be told to start. */
interface Loaded {
  process: ChildProcess;
  exited: Promise<number | null>;
  /** Starts the server; resolved once it listens. */
  start(): Promise<Child>;
}

/** Loads a server process (`server/src/main.ts`, bundled) on the throwaway database; resolved once it is ready to start. */
function loadServer(): Promise<Loaded> {
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
  const child = spawn(process.execPath, [LAUNCHER], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  processes.add(child);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const failed = exited.then((code) => Promise.reject(new Error(`server exited (${code}) before listening: ${err.slice(-2000)}`)));
  failed.catch(() => undefined);
  const until = async (re: RegExp): Promise<RegExpExecArray> => {
    for (;;) {
      const m = re.exec(out);
      if (m) return m;
      await Promise.race([new Promise((done) => child.stdout!.once('data', done)), failed]);
    }
  };
  return until(/^ready$/m).then(() => ({
    process: child,
    exited,
    start: async () => {
      child.stdin!.end('go\n');
      const m = await until(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      return { process: child, url: m[1]!, exited };
    },
  }));
}

/** The server started now (loaded first when none is waiting). */
async function spawnServer(loaded?: Promise<Loaded>): Promise<Child> {
  return (await (loaded ?? loadServer())).start();
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
  it(`keeps every acknowledged rating once and every rollup equal to a recount across ${ROUNDS} SIGKILLs${PG ? ' of the PostgreSQL server and the application server' : ''} (R9, R13)`, async () => {
    const acknowledged = new Map<string, number>(); // projectNo → rating id
    const unsure: Pending[] = []; // answered by no one: retried with the same submissionId next round
    let refusedAlready = 0;
    const rounds: string[] = [];
    let next: Promise<Loaded> | undefined;
    for (let round = 1; round <= ROUNDS; round++) {
      const t0 = Date.now();
      await cluster?.start();
      const t1 = Date.now();
      const child = await spawnServer(next);
      const t2 = Date.now();
      // The next round's process loads its libraries meanwhile (it opens nothing before it is told to start).
      next = loadServer();
      next.catch(() => undefined);
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
      let order = 'server';
      if (cluster) {
        // Both die, in a random order, a random moment apart (the database first: the server lives on
        // without it for a while, its requests failing; the server first: transactions cut mid-way).
        const databaseFirst = Math.random() < 0.5;
        order = databaseFirst ? 'PostgreSQL, then server' : 'server, then PostgreSQL';
        if (databaseFirst) await cluster.kill();
        else child.process.kill('SIGKILL');
        await new Promise((done) => setTimeout(done, Math.random() * 500));
        if (databaseFirst) child.process.kill('SIGKILL');
        else await cluster.kill();
      } else child.process.kill('SIGKILL');
      await child.exited;
      alive = false;
      await Promise.all(clients);
      rounds.push(
        `round ${round}: ${acked} acknowledged, ${failed} cut off (killed: ${order}; ${cluster ? `PostgreSQL up in ${t1 - t0} ms, ` : ''}server up in ${t2 - t1} ms once told to start, round ${Date.now() - t0} ms)`,
      );
    }
    await cluster?.start();
    // One last clean run settles the ratings whose answer was lost (same submissionId: the stored one comes back).
    const last = await spawnServer(next);
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
