/**
 * Scenarios `cross` (P6) and `workers` (P7): the real server entry in child processes on one
 * throwaway PostgreSQL database and one Redis.
 *
 * cross    two servers A and B (separate processes); K subscribers on B while paced ratings go to A,
 *          then the same subscribers on A with the ratings on A: the time from sending a rating to the
 *          subscriber's snapshot that includes it, and what the hop through Redis adds at p99.
 * workers  for each N of --workers: WORKERS=N, K subscribers spread over the workers (clients in several
 *          child processes from 127.0.0.2, 127.0.0.3, …), paced ratings; then the bare broadcast to the
 *          same clients; then ratings/s with autocannon (C connections, D seconds) against the same server.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClientGroup, rateFromChild, runAutocannon, type Clients } from '../load/spawn.js';
import { seededPostgres } from '../lib/database.js';
import { environment, finishEnvironment } from '../lib/machine.js';
import type { CrossResult, LiveRun, WorkersResult, WorkersRun } from '../lib/results.js';
import { actorFromCredentials, benchConfig, createApp, DEMO_CREDENTIALS, freshEm } from '../lib/server.js';
import { cloneServices, registerServices, type ServiceRef } from '../lib/services.js';
import { spawnServer, type SpawnedServer } from '../lib/spawned-server.js';
import { ROOT, say, sleep } from '../lib/util.js';
import { bareRun, finish } from './subscribers.js';

const LIVE_SUBSCRIPTION = readFileSync(join(ROOT, 'schema', 'operations', 'screen-overview.graphql'), 'utf8');
const INGEST_MUTATION = 'mutation ($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { id } }';
/** Demo ratings seeded first (the figures read rollups, so their number matters little here). */
const SEED_RATINGS = 5_000;

export interface ClusterBenchOptions {
  /** Admin URL of a PostgreSQL server (a throwaway database is made there). */
  postgres: string;
  redis: string;
  subscribers: number[];
  workers: number[];
  liveRatings: number;
  every: number;
  connections: number;
  duration: number;
  /** LIVE_INTERVAL_MS of the servers. */
  intervalMs: number;
}

interface Prepared {
  databaseUrl: string;
  dataDir: string;
  city: string;
  /** Returns `count` services nobody rated yet (registered in-process, copied in SQL). */
  services(count: number): Promise<ServiceRef[]>;
  cleanup(): Promise<void>;
}

/** A seeded throwaway PostgreSQL database and a way to get fresh completed services in it. */
async function prepare(options: ClusterBenchOptions): Promise<Prepared> {
  const db = await seededPostgres(options.postgres, SEED_RATINGS);
  const app = await createApp({ sqliteFile: db.file, config: benchConfig(db.dataDir, { databaseUrl: db.databaseUrl }) });
  try {
    const city = (await freshEm(app).execute<Array<{ code: string }>>(`select code from region where level = 'CITY' limit 1`))[0]!.code;
    let batch = 0;
    const services = async (count: number) => {
      const prefix = `CL${Date.now().toString(36).toUpperCase()}B${batch++}`;
      const system = await actorFromCredentials(app, undefined, DEMO_CREDENTIALS.systemKey);
      const sample = await registerServices(app, system, 1, `${prefix}R`);
      await cloneServices(app, sample[0]!.projectNo, prefix, count);
      return Array.from({ length: count }, (_, i) => ({ projectNo: `${prefix}${String(i).padStart(7, '0')}`, serviceNumber: 1 }));
    };
    return {
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      city,
      services,
      cleanup: async () => {
        await app.close();
        await db.cleanup();
      },
    };
  } catch (err) {
    await app.close();
    await db.cleanup();
    throw err;
  }
}

/** K subscribers on `subscribeTo`, paced ratings sent to `rateAt`: one LiveRun. */
async function liveRun(
  prepared: Prepared,
  clients: Clients,
  count: number,
  subscribeTo: SpawnedServer,
  rateAt: SpawnedServer,
  label: string,
  options: ClusterBenchOptions,
): Promise<{ run: LiveRun; frame: string }> {
  const services = await prepared.services(options.liveRatings);
  say(`  ${count} subscribers, ${label}: connecting`);
  const ready = await clients.connect({
    type: 'connect',
    url: `${subscribeTo.url.replace('http', 'ws')}/graphql`,
    protocol: 'graphql',
    count,
    query: LIVE_SUBSCRIPTION,
    variables: { filter: { regionCode: prepared.city } },
  });
  say(`    connected and subscribed in ${Math.round(ready.connectMs)} ms; snapshot total ${ready.base}`);
  try {
    await sleep(Math.max(1000, 2 * options.intervalMs));
    const { sent, responses } = await rateFromChild({ url: `${rateAt.url}/graphql`, apiKey: DEMO_CREDENTIALS.systemKey, services, everyMs: options.every });
    const run = await finish(clients, {
      base: ready.base,
      eventTimes: responses,
      sentTimes: sent,
      label,
      intervalMs: options.intervalMs,
      count,
      everyMs: options.every,
      connectMs: ready.connectMs,
      frame: ready.frame,
    });
    return { run, frame: ready.frame };
  } finally {
    await clients.disconnect();
  }
}

const serverEnv = (options: ClusterBenchOptions) => ({ LIVE_INTERVAL_MS: String(options.intervalMs), MIN_PUBLIC_RATINGS: '5' });

/** P6: a rating on server A reaching a subscriber on server B, against the same subscriber on A. */
export async function benchCross(options: ClusterBenchOptions): Promise<CrossResult> {
  const env = environment();
  const count = options.subscribers[0] ?? 100;
  say(`\n== cross (P6): servers A and B on one PostgreSQL database and Redis, ${count} subscribers, ${options.liveRatings} ratings every ${options.every} ms`);
  const prepared = await prepare(options);
  const clients = new ClientGroup(1);
  const spawnOne = () =>
    spawnServer({ databaseUrl: prepared.databaseUrl, redisUrl: options.redis, dataDir: prepared.dataDir, workers: 1, env: serverEnv(options) });
  let a: SpawnedServer | null = null;
  let b: SpawnedServer | null = null;
  try {
    a = await spawnOne();
    b = await spawnOne();
    const remote = (await liveRun(prepared, clients, count, b, a, 'subscribers on server B, ratings on server A', options)).run;
    const local = (await liveRun(prepared, clients, count, a, a, 'subscribers on server A, ratings on server A', options)).run;
    const added = remote.fromRequest!.p99 - local.fromRequest!.p99;
    say(
      `  P6: p99 from the request ${remote.fromRequest!.p99.toFixed(1)} ms on B against ${local.fromRequest!.p99.toFixed(1)} ms on A: ${added.toFixed(1)} ms added`,
    );
    return { env: finishEnvironment(env), intervalMs: options.intervalMs, remote, local, addedP99Ms: Math.round(added * 100) / 100 };
  } finally {
    clients.stop();
    await b?.close();
    await a?.close();
    await prepared.cleanup();
  }
}

/** P7: subscribers and ingest with WORKERS=N for each N, beside the bare broadcast and one process. */
export async function benchWorkers(options: ClusterBenchOptions): Promise<WorkersResult> {
  const env = environment();
  say(
    `\n== workers (P7): WORKERS ${options.workers.join(', ')}, ${options.subscribers.join(', ')} subscribers, ${options.liveRatings} ratings every ${options.every} ms; ingest ${options.connections} connections × ${options.duration} s`,
  );
  const prepared = await prepare(options);
  const runs: WorkersRun[] = [];
  try {
    for (const workers of options.workers) {
      const server = await spawnServer({
        databaseUrl: prepared.databaseUrl,
        redisUrl: options.redis,
        dataDir: prepared.dataDir,
        workers,
        env: serverEnv(options),
      });
      say(` WORKERS=${workers} listening at ${server.url}`);
      try {
        for (const count of options.subscribers) {
          const processes = Math.min(4, Math.max(1, Math.ceil(count / 2500)));
          const clients = new ClientGroup(processes);
          try {
            const { run: live, frame } = await liveRun(prepared, clients, count, server, server, `graphql-ws, WORKERS=${workers}`, options);
            // Beyond one process's open-file limit (20,000 here) the reference is spread like the clients.
            const bare = await bareRun(clients, count, frame, options, count > 15_000 ? processes : 1);
            const services = await prepared.services(Math.max(5_000, options.duration * 4_000));
            const ingest = await runAutocannon({
              url: `${server.url}/graphql`,
              headers: { 'content-type': 'application/json', 'x-api-key': DEMO_CREDENTIALS.systemKey },
              connections: options.connections,
              durationS: options.duration,
              warmupS: 1,
              body: { kind: 'ratings', prefix: services[0]!.projectNo.slice(0, -7), count: services.length, query: INGEST_MUTATION },
            });
            say(
              `    ingest WORKERS=${workers}: ${Math.round(ingest.perSec).toLocaleString('en')} ratings/s (p50 ${ingest.latency.p50.toFixed(1)} ms, p99 ${ingest.latency.p99.toFixed(1)} ms, ${ingest.failed} failed${ingest.exhausted ? ', ran out of services' : ''})`,
            );
            runs.push({ workers, subscribers: count, clientProcesses: processes, live, bare, ingest });
          } finally {
            clients.stop();
          }
        }
      } finally {
        await server.close();
      }
    }
  } finally {
    await prepared.cleanup();
  }
  return { env: finishEnvironment(env), intervalMs: options.intervalMs, runs };
}
