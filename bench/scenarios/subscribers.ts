/**
 * Scenario `subscribers`: K graphql-ws clients (in a child process) on one identical overviewChanged
 * subscription while paced ratings arrive over HTTP (from another child process); per rating and
 * subscriber, the time until a snapshot including it arrives, for each LIVE_INTERVAL_MS; then a bare
 * `ws` server sending the same bytes to the same number of clients at the same pace.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { BareServers, ClientProcess, rateFromChild, type Clients } from '../load/spawn.js';
import { seededDatabase } from '../lib/database.js';
import { environment, finishEnvironment } from '../lib/machine.js';
import { startProfile } from '../lib/profile.js';
import type { LiveRun, SubscribersResult } from '../lib/results.js';
import { actorFromCredentials, DEMO_CREDENTIALS, freshEm, startBenchServer } from '../lib/server.js';
import { registerServices } from '../lib/services.js';
import { summarize, wallMs } from '../lib/stats.js';
import { ROOT, say, sleep } from '../lib/util.js';

export interface SubscribersOptions {
  /** Client counts, one set of runs each. */
  subscribers: number[];
  /** LIVE_INTERVAL_MS values, one run each. */
  intervals: number[];
  /** Ratings per run. */
  liveRatings: number;
  /** Milliseconds between ratings. */
  every: number;
  /** CPU profile of the server while it takes the ratings. */
  profile: boolean;
}

const LIVE_SUBSCRIPTION = readFileSync(join(ROOT, 'schema', 'operations', 'screen-overview.graphql'), 'utf8');

export async function benchSubscribers(options: SubscribersOptions): Promise<SubscribersResult> {
  const env = environment();
  const runs: LiveRun[] = [];
  say(
    `\n== subscribers: ${options.subscribers.join(', ')} clients, intervals ${options.intervals.join(', ')} ms, ${options.liveRatings} ratings every ${options.every} ms`,
  );
  const db = await seededDatabase(20_000, true);
  const clients = new ClientProcess();
  try {
    for (const count of options.subscribers) {
      let frame = '';
      for (const intervalMs of options.intervals) {
        const result = await liveRun(db, clients, count, intervalMs, options);
        frame = result.frame;
        runs.push(result.run);
      }
      runs.push(await bareRun(clients, count, frame, options));
    }
  } finally {
    clients.stop();
    db.cleanup();
  }
  return { env: finishEnvironment(env), runs };
}

/** The server at one LIVE_INTERVAL_MS, K subscribers, R paced ratings through HTTP. */
async function liveRun(
  db: { file: string; dataDir: string },
  clients: ClientProcess,
  count: number,
  intervalMs: number,
  options: SubscribersOptions,
): Promise<{ run: LiveRun; frame: string }> {
  // Every subscriber comes from one loopback address: lift the per-address connection cap (200).
  const server = await startBenchServer(db.file, db.dataDir, { liveIntervalMs: intervalMs, minPublicRatings: 5, wsMaxConnectionsPerIp: 1_000_000 });
  try {
    const app = server.app;
    const city = (await freshEm(app).execute<Array<{ code: string }>>(`select code from region where level = 'CITY' limit 1`))[0]!.code;
    const system = await actorFromCredentials(app, undefined, DEMO_CREDENTIALS.systemKey);
    const services = await registerServices(app, system, options.liveRatings, `LIVE${intervalMs}K${count}T${Date.now().toString(36)}`);
    const label = `graphql-ws, LIVE_INTERVAL_MS ${intervalMs}`;
    say(`  ${count} subscribers, ${label}: connecting`);
    const ready = await clients.connect({
      type: 'connect',
      url: `${server.url.replace('http', 'ws')}/graphql`,
      protocol: 'graphql',
      count,
      query: LIVE_SUBSCRIPTION,
      variables: { filter: { regionCode: city } },
    });
    say(`    connected and subscribed in ${Math.round(ready.connectMs)} ms; snapshot total ${ready.base}, ${Buffer.byteLength(ready.frame)} bytes per message`);
    await sleep(Math.max(1000, 2 * intervalMs)); // let the first snapshot's writes settle
    // The ratings come from their own process (as a department system would send them), so the
    // response time is taken when a client gets it, not when this busy event loop gets round to it.
    const profiler = options.profile ? await startProfile(`subscribers-${count}-${intervalMs}ms`) : null;
    const { sent, responses } = await rateFromChild({ url: `${server.url}/graphql`, apiKey: DEMO_CREDENTIALS.systemKey, services, everyMs: options.every });
    const profile = profiler ? await profiler.stop() : undefined;
    const run = await finish(clients, {
      base: ready.base,
      eventTimes: responses,
      sentTimes: sent,
      label,
      intervalMs,
      count,
      everyMs: options.every,
      connectMs: ready.connectMs,
      frame: ready.frame,
    });
    if (profile) run.profile = profile;
    return { run, frame: ready.frame };
  } finally {
    await clients.disconnect();
    await server.close();
  }
}

/** Where the bare broadcast runs: this process, or child processes beyond one process's sockets. */
interface Broadcaster {
  urls: string[];
  send(total: number): void;
  close(): Promise<void>;
}

async function localBroadcaster(frame: string, base: number): Promise<Broadcaster> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((done) => wss.once('listening', () => done()));
  let current = frameWith(frame, base);
  wss.on('connection', (socket) => socket.send(current));
  return {
    urls: [`ws://127.0.0.1:${(wss.address() as { port: number }).port}/`],
    send(total) {
      current = frameWith(frame, total);
      for (const socket of wss.clients) socket.send(current);
    },
    async close() {
      for (const socket of wss.clients) socket.terminate();
      await new Promise<void>((done) => wss.close(() => done()));
    },
  };
}

async function spreadBroadcaster(frame: string, processes: number): Promise<Broadcaster> {
  const servers = new BareServers(processes);
  const ports = await servers.listen(frame);
  return {
    urls: ports.map((port) => `ws://127.0.0.1:${port}/`),
    send: (total) => servers.send(total),
    close: async () => servers.stop(),
  };
}

/** The captured frame with the total counting up as it did for the server: the same size and shape. */
const frameWith = (frame: string, total: number) => Buffer.from(frame.replace(/"total":\d+/, `"total":${total}`));

/**
 * The same clients and bytes from a bare `ws` server: one serialised frame per event, sent to every
 * socket. With `processes` > 1 the broadcast is spread over that many child processes (each told by
 * IPC, so the reference carries one IPC hop), for more sockets than one process may open.
 */
export async function bareRun(
  clients: Clients,
  count: number,
  frame: string,
  options: Pick<SubscribersOptions, 'liveRatings' | 'every'>,
  processes = 1,
): Promise<LiveRun> {
  const base = Number(/"total":(\d+)/.exec(frame)?.[1] ?? 100_000);
  const broadcaster = processes > 1 ? await spreadBroadcaster(frame, processes) : await localBroadcaster(frame, base);
  try {
    say(`  ${count} subscribers, bare ws broadcast${processes > 1 ? ` from ${processes} processes` : ''}: connecting`);
    const ready = await clients.connect({ type: 'connect', url: broadcaster.urls[0]!, urls: broadcaster.urls, protocol: 'bare', count });
    await sleep(1000);
    const events: number[] = [];
    const start = performance.now();
    for (let i = 1; i <= options.liveRatings; i++) {
      const due = start + (i - 1) * options.every;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      events.push(wallMs());
      broadcaster.send(base + i);
    }
    return await finish(clients, {
      base,
      eventTimes: events,
      label: `bare ws broadcast (same bytes, same clients${processes > 1 ? `, ${processes} processes` : ''})`,
      intervalMs: null,
      count,
      everyMs: options.every,
      connectMs: ready.connectMs,
      frame,
    });
  } finally {
    await clients.disconnect();
    await broadcaster.close();
  }
}

export interface FinishInput {
  /** The total every client saw first; rating i (from 0) makes it base + i + 1. */
  base: number;
  /** Per rating: when it counts as having happened (the mutation's response; bare: the broadcast). */
  eventTimes: number[];
  /** Per rating: when its mutation was sent (not for the bare server). */
  sentTimes?: number[];
  label: string;
  intervalMs: number | null;
  count: number;
  everyMs: number;
  connectMs: number;
  frame: string;
}

/** Waits until every client saw the last total (or 30 s), then computes the latencies. */
export async function finish(clients: Clients, input: FinishInput): Promise<LiveRun> {
  const { base, eventTimes, sentTimes, count } = input;
  const ratings = eventTimes.length;
  try {
    await clients.reach(base + ratings, 30_000);
  } catch (err) {
    say(`    not every client saw the last update: ${(err as Error).message}`);
  }
  const { received, missing } = await clients.collect(base, ratings);
  const latencies: number[] = [];
  const fromSent: number[] = [];
  const perRating: number[] = [];
  for (let i = 0; i < ratings; i++) {
    const mine: number[] = [];
    for (let c = 0; c < count; c++) {
      const t = received[c * ratings + i]!;
      if (!Number.isFinite(t)) continue;
      mine.push(t - eventTimes[i]!);
      if (sentTimes) fromSent.push(t - sentTimes[i]!);
    }
    latencies.push(...mine);
    perRating.push(summarize(mine).p99);
  }
  const run: LiveRun = {
    label: input.label,
    intervalMs: input.intervalMs,
    subscribers: count,
    ratings,
    everyMs: input.everyMs,
    connectMs: Math.round(input.connectMs),
    frameBytes: Buffer.byteLength(input.frame),
    latency: summarize(latencies),
    missing,
    perRatingP99: summarize(perRating),
    ...(sentTimes ? { fromRequest: summarize(fromSent), response: summarize(eventTimes.map((t, i) => t - sentTimes[i]!)) } : {}),
  };
  say(
    `    latency p50 ${run.latency.p50.toFixed(1)} ms, p99 ${run.latency.p99.toFixed(1)} ms, max ${run.latency.max.toFixed(1)} ms (${run.latency.n} deliveries, ${missing} missing)` +
      (run.fromRequest
        ? `; from the request: p50 ${run.fromRequest.p50.toFixed(1)} ms, p99 ${run.fromRequest.p99.toFixed(1)} ms; mutation p50 ${run.response!.p50.toFixed(1)} ms`
        : ''),
  );
  return run;
}
