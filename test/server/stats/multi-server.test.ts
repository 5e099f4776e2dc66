import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';
import { subscribe, wsClient } from '../screen/ws-client.js';

// Two servers on one database and one Redis: server A runs in this process, server B in a child
// process of its own. Needs REDIS_URL (the PostgreSQL run of scripts/test.sh sets it).
const redisUrl = process.env.REDIS_URL;

let a: TestServer;
let fx: Fixture;
let b: ChildProcess | undefined;
let bUrl = '';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function startServerB(): Promise<void> {
  const port = await freePort();
  const config = a.app.config;
  const env = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATA_DIR: config.dataDir,
    REDIS_URL: redisUrl!,
    REDIS_CHANNEL: config.redisChannel,
    DATABASE_URL: config.databaseUrl ?? '',
    SEED_DEMO: 'false',
    MIN_PUBLIC_RATINGS: '0',
    LIVE_INTERVAL_MS: '20',
    PII_KEY: config.piiKey!,
    PII_KEY_ID: config.piiKeyId,
    AUTH_SECRET: config.authSecret!,
    SERVE_DASHBOARD: 'false',
    LOG_LEVEL: 'warn',
  };
  if (!config.databaseUrl) env.DATA_DIR = config.dataDir;
  b = spawn(process.execPath, ['--import', 'tsx', 'server/src/main.ts'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  bUrl = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 900; attempt++) {
    try {
      if ((await fetch(`${bUrl}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('server B did not become ready');
}

beforeAll(async () => {
  if (!redisUrl) return;
  a = await startTestServer({ redisUrl });
  fx = await makeFixture(a);
  await startServerB();
});
afterAll(async () => {
  b?.kill('SIGTERM');
  await a?.close();
});

describe.skipIf(!redisUrl)('several servers behind one Redis', () => {
  it('pushes a rating taken by server A to a subscriber of server B', async () => {
    const client = wsClient(bUrl);
    const sub = subscribe<{ overviewChanged: { total: number; good: number; seq: number } }>(client, 'subscription { overviewChanged { total good seq } }', {});
    try {
      const first = await sub.next();
      expect(first.errors).toBeUndefined();
      const before = first.data!.overviewChanged;
      const service = await newService(a, fx);
      expect((await submit(a, { ...service, level: 5 }, { apiKey: fx.keys.market })).errors).toBeUndefined();
      let next = (await sub.next()).data!.overviewChanged;
      while (next.total === before.total) next = (await sub.next()).data!.overviewChanged;
      expect(next.total).toBe(before.total + 1);
      expect(next.good).toBe(before.good + 1);
      expect(next.seq).toBeGreaterThan(before.seq);
    } finally {
      sub.dispose();
      await client.dispose();
    }
  });
});
