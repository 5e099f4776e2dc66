/**
 * Scenario `memory` (P4): server memory per added idle subscriber, against a bare `ws` server doing
 * the same handshake, measured the same way.
 *
 * The real server (`server/src/main.ts`, spawned, SQLite with the demo city) and the reference
 * (bench/load/bare-graphql-ws.ts: connection_init → connection_ack, subscribe → the same `next`
 * frame) both run with --expose-gc and bench/load/memory-probe.ts, which answers a sample over IPC
 * after full GCs. For each: --warmup W idle subscribers (default 2,000; clients in two child processes
 * from 127.0.0.2 and 127.0.0.3), a sample, --added K more (default 2,000; two more client processes),
 * a sample; per subscriber = (after − before) ÷ K, for RSS, V8 heap used and external memory. Every
 * repetition (--repeat, default 3) starts fresh processes; the medians give the ratio.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ClientGroup } from '../load/spawn.js';
import type { MemorySample } from '../load/protocol.js';
import { environment, finishEnvironment } from '../lib/machine.js';
import { askMemory, PROBE_NODE_ARGS } from '../lib/memory.js';
import type { MemoryResult, MemoryRun } from '../lib/results.js';
import { spawnServer } from '../lib/spawned-server.js';
import { ROOT, say, sleep } from '../lib/util.js';

const LIVE_SUBSCRIPTION = readFileSync(join(ROOT, 'schema', 'operations', 'screen-overview.graphql'), 'utf8');
/** The goal: the server's memory per added subscriber at most this many times the bare server's. */
const TARGET_RATIO = 1.2;
/** Samples taken (500 ms apart) at each point; their median is used. */
const SAMPLES = 3;
/** Demo ratings the real server seeds on its first start (reused by the next repetitions). */
const SEED_RATINGS = 2_000;

export interface MemoryOptions {
  warmup: number;
  added: number;
  repeat: number;
}

interface Measured {
  before: MemorySample;
  after: MemorySample;
  frame: string;
}

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
};

/** The median sample of SAMPLES (field by field). */
async function sampled(memory: () => Promise<MemorySample>): Promise<MemorySample> {
  const samples: MemorySample[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    if (i > 0) await sleep(500);
    samples.push(await memory());
  }
  const field = (k: keyof Omit<MemorySample, 'type'>) => median(samples.map((s) => s[k]));
  return {
    type: 'memory',
    rss: field('rss'),
    heapUsed: field('heapUsed'),
    heapTotal: field('heapTotal'),
    external: field('external'),
    arrayBuffers: field('arrayBuffers'),
  };
}

/** W warm-up subscribers, a sample, K more, a sample. */
async function measure(url: string, filter: Record<string, unknown>, memory: () => Promise<MemorySample>, options: MemoryOptions): Promise<Measured> {
  const warm = new ClientGroup(2);
  const added = new ClientGroup(2);
  const connect = { type: 'connect' as const, url, protocol: 'graphql' as const, query: LIVE_SUBSCRIPTION, variables: { filter } };
  try {
    const first = await warm.connect({ ...connect, count: options.warmup });
    say(`    ${options.warmup} warm-up subscribers in ${Math.round(first.connectMs)} ms`);
    await sleep(2000);
    const before = await sampled(memory);
    const more = await added.connect({ ...connect, count: options.added });
    say(`    ${options.added} more in ${Math.round(more.connectMs)} ms`);
    await sleep(2000);
    const after = await sampled(memory);
    return { before, after, frame: first.frame };
  } finally {
    await Promise.allSettled([warm.disconnect(), added.disconnect()]);
    warm.stop();
    added.stop();
  }
}

const perSubscriber = (m: Measured, k: number) => ({
  rss: (m.after.rss - m.before.rss) / k,
  heapUsed: (m.after.heapUsed - m.before.heapUsed) / k,
  external: (m.after.external - m.before.external) / k,
});

/** The bare reference server as a child process with the probe; resolves with its port. */
async function spawnBare(frame: string): Promise<{ child: ChildProcess; port: number; close(): Promise<void> }> {
  const child = spawn(process.execPath, [...PROBE_NODE_ARGS, join(ROOT, 'bench', 'load', 'bare-graphql-ws.ts')], {
    cwd: ROOT,
    env: { ...process.env, HCP_BARE_FRAME: frame },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const port = await new Promise<number>((done, fail) => {
    const timer = setTimeout(() => fail(new Error('the bare ws server did not listen within 60 s')), 60_000);
    child.on('message', (m: { type?: string; port?: number }) => {
      if (m?.type === 'listening') {
        clearTimeout(timer);
        done(m.port!);
      }
    });
    child.once('exit', (code) => fail(new Error(`the bare ws server exited (${code})`)));
  });
  return {
    child,
    port,
    async close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function benchMemory(options: MemoryOptions): Promise<MemoryResult> {
  const env = environment();
  say(
    `\n== memory (P4): ${options.warmup} warm-up idle subscribers, then ${options.added} more; ${options.repeat} repetitions (load average ${env.loadBefore.join(' / ')})`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'hcp-bench-memory-'));
  const runs: MemoryRun[] = [];
  const failures: string[] = [];
  let frame = '';
  let filter: Record<string, unknown> = {};
  const real = async (rep: number) => {
    const server = await spawnServer({
      databaseUrl: '',
      redisUrl: '',
      dataDir,
      workers: 1,
      memoryProbe: true,
      env: { SEED_DEMO: 'true', SEED_RATINGS: String(SEED_RATINGS), MIN_PUBLIC_RATINGS: '5' },
    });
    try {
      if (!frame) {
        const db = new Database(join(dataDir, 'haochaping.sqlite'), { readonly: true, fileMustExist: true });
        try {
          filter = { regionCode: (db.prepare(`select code from region where level = 'CITY' limit 1`).get() as { code: string }).code };
        } finally {
          db.close();
        }
      }
      say(`  repetition ${rep}: server (pid ${server.pid})`);
      const m = await measure(`${server.url.replace('http', 'ws')}/graphql`, filter, () => server.memory(), options);
      frame ||= m.frame;
      runs.push({ server: 'graphql', repetition: rep, before: m.before, after: m.after, perSubscriber: perSubscriber(m, options.added) });
    } finally {
      await server.close();
    }
  };
  const bare = async (rep: number) => {
    const server = await spawnBare(frame);
    try {
      say(`  repetition ${rep}: bare ws server (pid ${server.child.pid})`);
      const m = await measure(`ws://127.0.0.1:${server.port}/graphql`, filter, () => askMemory(server.child), options);
      runs.push({ server: 'bare', repetition: rep, before: m.before, after: m.after, perSubscriber: perSubscriber(m, options.added) });
    } finally {
      await server.close();
    }
  };
  try {
    for (let rep = 1; rep <= options.repeat; rep++) {
      // The real server first the first time (the bare one sends the frame it captured), then alternating.
      // A repetition that fails (a timeout on a loaded machine) is reported and skipped, not fatal.
      try {
        if (rep % 2 === 1 || !frame) {
          await real(rep);
          await bare(rep);
        } else {
          await bare(rep);
          await real(rep);
        }
      } catch (err) {
        failures.push(`repetition ${rep}: ${(err as Error).message}`);
        say(`    repetition ${rep} failed: ${(err as Error).message}`);
      }
      for (const run of runs.filter((r) => r.repetition === rep))
        say(
          `    ${run.server.padEnd(7)} per added subscriber: RSS ${(run.perSubscriber.rss / 1024).toFixed(2)} KiB, heap ${(run.perSubscriber.heapUsed / 1024).toFixed(2)} KiB, external ${(run.perSubscriber.external / 1024).toFixed(2)} KiB`,
        );
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  if (!runs.some((r) => r.server === 'graphql') || !runs.some((r) => r.server === 'bare'))
    throw new Error(`memory: no complete measurement (${failures.join('; ')})`);
  const med = (server: MemoryRun['server'], k: keyof MemoryRun['perSubscriber']) =>
    median(runs.filter((r) => r.server === server).map((r) => r.perSubscriber[k]));
  const kib = (v: number) => Math.round((v / 1024) * 100) / 100;
  const summary = (server: MemoryRun['server']) => ({
    rssKiB: kib(med(server, 'rss')),
    heapUsedKiB: kib(med(server, 'heapUsed')),
    externalKiB: kib(med(server, 'external')),
  });
  const graphql = summary('graphql');
  const reference = summary('bare');
  const ratio = {
    rss: Math.round((graphql.rssKiB / reference.rssKiB) * 100) / 100,
    heapUsed: Math.round((graphql.heapUsedKiB / reference.heapUsedKiB) * 100) / 100,
  };
  say(
    `  P4 medians per added subscriber: server RSS ${graphql.rssKiB} KiB / heap ${graphql.heapUsedKiB} KiB, bare RSS ${reference.rssKiB} KiB / heap ${reference.heapUsedKiB} KiB: ` +
      `ratio RSS ${ratio.rss}, heap ${ratio.heapUsed} (goal ≤ ${TARGET_RATIO})`,
  );
  return {
    env: finishEnvironment(env),
    warmup: options.warmup,
    added: options.added,
    repeat: options.repeat,
    targetRatio: TARGET_RATIO,
    runs,
    median: { graphql, bare: reference },
    ratio,
    withinTarget: { rss: ratio.rss <= TARGET_RATIO, heapUsed: ratio.heapUsed <= TARGET_RATIO },
    ...(failures.length ? { failures } : {}),
  };
}
