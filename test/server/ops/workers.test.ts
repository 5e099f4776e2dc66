import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterProblems } from '../../../server/src/app/cluster.js';
import { ManualClock } from '../../../server/src/common/clock.js';
import { loadConfig } from '../../../server/src/common/config.js';
import { throwawayDatabase } from '../../support/database.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { gql, startTestServer, type TestServer, type ThrowawayDatabase } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';
import { subscribe, wsClient, type Subscription } from '../screen/ws-client.js';

/**
 * Several processes on one machine (issue 14, item 4): `WORKERS=2` behind one port, PostgreSQL and
 * Redis. Subscribers land on both workers (the primary hands connections out in turn), ratings are
 * taken by either, and every subscriber sees the exact total; a worker killed with SIGKILL is started
 * again and the figures stay exact. On SQLite the server refuses to start several workers.
 */
const PG = Boolean(process.env.DATABASE_URL);
const REDIS = process.env.REDIS_URL;
const SUBSCRIBERS = 6;
const RATINGS = 12;
const PII_KEY = Buffer.alloc(32, 7).toString('base64');
const AUTH_SECRET = 'test-secret-test-secret-test-secret';

type Overview = { overviewChanged: { total: number } };

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

function serverEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    SERVE_DASHBOARD: 'false',
    MIN_PUBLIC_RATINGS: '0',
    LIVE_INTERVAL_MS: '20',
    RATINGS_PER_MINUTE_PER_ADDRESS: '1000000',
    RATE_LIMIT_NAMESPACE: `t${Math.random().toString(36).slice(2, 10)}`,
    PII_KEY,
    PII_KEY_ID: 'test',
    AUTH_SECRET,
    LOG_LEVEL: 'info',
    ...extra,
  };
}

describe('several worker processes', () => {
  it('reads WORKERS: 1 by default, a number, or auto for one per CPU', () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ WORKERS: '3' }).workers).toBe(3);
    expect(loadConfig({ WORKERS: 'auto' }).workers).toBe(availableParallelism());
    expect(() => loadConfig({ WORKERS: 'many' })).toThrow(/WORKERS/);
    expect(() => loadConfig({ WORKERS: '0' })).toThrow(/WORKERS/);
  });

  it('refuses WORKERS > 1 without PostgreSQL and Redis, saying why', async () => {
    expect(clusterProblems({ workers: 1 })).toEqual([]);
    expect(clusterProblems({ workers: 2, databaseUrl: 'postgres://x/y', redisUrl: 'redis://x' })).toEqual([]);
    const sqlite = clusterProblems({ workers: 2 });
    expect(sqlite).toHaveLength(2);
    expect(sqlite[0]).toMatch(/PostgreSQL.*SQLite allows one writer/);

    const dataDir = mkdtempSync(join(tmpdir(), 'hcp-workers-'));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
        env: serverEnv({ WORKERS: '2', DATABASE_URL: '', REDIS_URL: '', DATA_DIR: dataDir, PORT: String(await freePort()) }),
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let err = '';
      child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      const code = await new Promise<number | null>((done) => child.once('exit', (c) => done(c)));
      expect(code).toBe(1);
      expect(err).toContain('WORKERS > 1 needs PostgreSQL (DATABASE_URL)');
      expect(err).toContain('WORKERS > 1 needs Redis (REDIS_URL)');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe.skipIf(!PG || !REDIS)('WORKERS=2 on PostgreSQL + Redis (skipped on SQLite: several workers need both)', () => {
  let database: ThrowawayDatabase;
  let fx: Fixture;
  let primary: ChildProcess;
  let primaryExit: Promise<number | null>;
  let url = '';
  /** Worker number → pid, from the primary's "worker listening" log lines; waiters for a new pid. */
  const pids = new Map<number, number>();
  let listeners: Array<() => void> = [];
  let rater: TestServer;

  const waitFor = (ok: () => boolean) =>
    new Promise<void>((resolve) => {
      if (ok()) return resolve();
      const check = () => {
        if (!ok()) return;
        listeners = listeners.filter((l) => l !== check);
        resolve();
      };
      listeners.push(check);
    });

  beforeAll(async () => {
    database = await throwawayDatabase();
    // The catalog, users and keys, written by an in-process server that then stops (real time: the cluster's clock).
    const seeding = await startTestServer({}, new ManualClock(new Date()), { database });
    fx = await makeFixture(seeding);
    await seeding.close();

    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    primary = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], {
      env: serverEnv({ WORKERS: '2', DATABASE_URL: database.databaseUrl!, REDIS_URL: REDIS!, DATA_DIR: database.dataDir, PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    primaryExit = new Promise((done) => primary.once('exit', (code) => done(code)));
    let out = '';
    primary.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg: string; worker?: number; pid?: number };
        if (entry.msg === 'worker listening' && entry.worker && entry.pid) {
          pids.set(entry.worker, entry.pid);
          listeners.slice().forEach((l) => l());
        }
      }
    });
    await Promise.race([
      waitFor(() => pids.size === 2),
      primaryExit.then((code) => {
        throw new Error(`the primary exited (${code}) before both workers listened`);
      }),
    ]);
    // The test helpers rate through a "server": here, whichever worker takes the connection.
    rater = { gql: (q: string, v?: Record<string, unknown>, a?: object) => gql(url, q, v, a), clock: new ManualClock(new Date()) } as unknown as TestServer;
  }, 120_000);

  afterAll(async () => {
    if (primary && primary.exitCode === null) {
      primary.kill('SIGKILL');
      for (const pid of pids.values()) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await database?.drop();
  });

  /** Rates `n` new services, four at a time (so on several connections, and on both workers). */
  async function rate(n: number): Promise<void> {
    let left = n;
    const one = async () => {
      while (left > 0) {
        left--;
        const service = await newService(rater, fx);
        const result = await submit(rater, { ...service, level: 5 }, { apiKey: fx.keys.market });
        expect(result.errors).toBeUndefined();
      }
    };
    await Promise.all([one(), one(), one(), one()]);
  }

  /** Subscribers on their own connections, each with its first snapshot taken. */
  async function subscribers(k: number): Promise<Array<{ client: Client; sub: Subscription<Overview>; first: number }>> {
    return Promise.all(
      Array.from({ length: k }, async () => {
        const client = wsClient(url);
        const sub = subscribe<Overview>(client, 'subscription { overviewChanged { total } }', {});
        const first = await sub.next();
        expect(first.errors).toBeUndefined();
        return { client, sub, first: first.data!.overviewChanged.total };
      }),
    );
  }

  /** Reads snapshots until the total is `total` ('exact'), or the connection ended ('dropped'). */
  async function until(sub: Subscription<Overview>, total: number): Promise<'exact' | 'dropped'> {
    for (;;) {
      const message = await sub.next();
      if (message.errors || !message.data) return 'dropped';
      const seen = message.data.overviewChanged.total;
      expect(seen).toBeLessThanOrEqual(total);
      if (seen === total) return 'exact';
    }
  }

  it('every subscriber on either worker sees the exact total; a worker killed with SIGKILL comes back and the figures stay exact (R9)', async () => {
    const first = await subscribers(SUBSCRIBERS);
    expect(first.map((s) => s.first)).toEqual(Array(SUBSCRIBERS).fill(0));
    await rate(RATINGS);
    expect(await Promise.all(first.map((s) => until(s.sub, RATINGS)))).toEqual(Array(SUBSCRIBERS).fill('exact'));

    // Worker 2 dies at once; the primary starts it again (a new pid).
    const killed = pids.get(2)!;
    process.kill(killed, 'SIGKILL');
    await waitFor(() => pids.get(2) !== killed);

    const second = await subscribers(SUBSCRIBERS);
    expect(second.map((s) => s.first)).toEqual(Array(SUBSCRIBERS).fill(RATINGS));
    await rate(RATINGS);
    // The first subscribers of the killed worker lost their connection; all the others see the exact total.
    const before = await Promise.all(first.map((s) => until(s.sub, 2 * RATINGS)));
    expect(before.filter((r) => r === 'dropped').length).toBeGreaterThan(0);
    expect(before.filter((r) => r === 'exact').length).toBeGreaterThan(0);
    expect(await Promise.all(second.map((s) => until(s.sub, 2 * RATINGS)))).toEqual(Array(SUBSCRIBERS).fill('exact'));

    for (const s of [...first, ...second]) {
      s.sub.dispose();
      await s.client.dispose();
    }
    // SIGTERM to the primary drains every worker and exits cleanly.
    primary.kill('SIGTERM');
    expect(await primaryExit).toBe(0);
  }, 120_000);
});
