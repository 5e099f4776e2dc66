import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig } from '../../../server/src/common/config.js';
import { ChangeBus, type ChangeEvent } from '../../../server/src/common/pubsub.js';
import { startRedisBridge } from '../../../server/src/common/redis-bridge.js';

const hasRedis = spawnSync('redis-server', ['--version']).status === 0;

let redis: ChildProcess | undefined;
let url = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  if (!hasRedis) return;
  const port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    redis!.once('exit', (code) => reject(new Error(`redis-server exited early with ${code}`)));
    redis!.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('Ready to accept connections')) resolve();
    });
  });
});

afterAll(async () => {
  if (!redis || redis.exitCode !== null) return;
  const exited = new Promise((done) => redis!.once('exit', done));
  redis.kill('SIGTERM');
  await exited;
});

/** A server's parts the bridge touches, with a way to wait for the next event on its bus. */
function fakeServer(id: string) {
  const bus = new ChangeBus(id);
  const seen: ChangeEvent[] = [];
  let waiters: Array<{ match: (e: ChangeEvent) => boolean; done: (e: ChangeEvent) => void }> = [];
  bus.subscribe((event) => {
    seen.push(event);
    const hit = waiters.filter((w) => w.match(event));
    waiters = waiters.filter((w) => !w.match(event));
    hit.forEach((w) => w.done(event));
  });
  const resyncs: Array<() => void> = [];
  let resyncCount = 0;
  return {
    app: { bus, instanceId: id, config: { ...loadConfig({}), redisUrl: url } },
    seen,
    next: (match: (e: ChangeEvent) => boolean) => new Promise<ChangeEvent>((done) => waiters.push({ match, done })),
    onResync: () => {
      resyncCount += 1;
      resyncs.splice(0).forEach((r) => r());
    },
    resynced: () => new Promise<void>((done) => resyncs.push(done)),
    get resyncCount() {
      return resyncCount;
    },
  };
}

describe.skipIf(!hasRedis)('startRedisBridge (several servers, one Redis)', () => {
  it('carries a rating event from server A to server B, never back to A', async () => {
    const a = fakeServer('server-a');
    const b = fakeServer('server-b');
    const stopA = await startRedisBridge(a.app.bus, { redisUrl: url, onResync: a.onResync });
    const stopB = await startRedisBridge(b.app.bus, { redisUrl: url, onResync: b.onResync });
    try {
      const atB = b.next((e) => e.kind === 'rating');
      a.app.bus.publish({ kind: 'rating', scopes: ['T', 'D:3'], at: 1, origin: 'server-a', detail: { ratingId: 7, serviceId: 9 } });
      expect(await atB).toEqual({ kind: 'rating', scopes: ['T', 'D:3'], at: 1, origin: 'server-a', detail: { ratingId: 7, serviceId: 9 } });

      const atA = a.next((e) => e.kind === 'invalidation');
      b.app.bus.publish({ kind: 'invalidation', scopes: ['T'], at: 2, origin: 'server-b' });
      await atA;
      // A saw its own event once (local) and B's once; B's remote copy of A's event was not re-sent.
      expect(a.seen.map((e) => `${e.kind}:${e.origin}`)).toEqual(['rating:server-a', 'invalidation:server-b']);
      expect(b.seen.map((e) => `${e.kind}:${e.origin}`)).toEqual(['rating:server-a', 'invalidation:server-b']);
    } finally {
      await stopA();
      await stopB();
    }
  });

  it('recomputes every topic after losing Redis, and asks the other servers to do the same', async () => {
    const a = fakeServer('server-a2');
    const b = fakeServer('server-b2');
    const stopA = await startRedisBridge(a.app.bus, { redisUrl: url, onResync: a.onResync });
    const stopB = await startRedisBridge(b.app.bus, { redisUrl: url, onResync: b.onResync });
    const admin = new Redis(url);
    try {
      expect(a.resyncCount).toBe(0);
      const resyncA = a.resynced();
      const noticeAtB = b.next((e) => e.kind === 'catalog' && e.scopes.length === 0 && e.origin === 'server-a2');
      // Only A's subscriber connection drops: B stays connected and must hear A's resync notice.
      const ids = ((await admin.client('LIST')) as string)
        .split('\n')
        .filter((line) => line.includes('name=haochaping-sub-server-a2 '))
        .map((line) => /id=(\d+)/.exec(line)![1]!);
      expect(ids).toHaveLength(1);
      await admin.client('KILL', 'ID', ids[0]!);
      await resyncA;
      await noticeAtB;
      expect(a.resyncCount).toBe(1);
      expect(b.resyncCount).toBe(0);

      // And the bridge still works after the reconnection.
      const atB = b.next((e) => e.kind === 'rating');
      a.app.bus.publish({ kind: 'rating', scopes: ['T'], at: 3, origin: 'server-a2' });
      await atB;
    } finally {
      admin.disconnect();
      await stopA();
      await stopB();
    }
  });

  it('does nothing without REDIS_URL', async () => {
    const bus = new ChangeBus('x');
    const stop = await startRedisBridge(bus, { redisUrl: undefined, onResync: () => {} });
    await stop();
  });
});
