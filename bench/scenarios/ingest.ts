/**
 * Scenario `ingest` (P1): submitEvaluation over HTTP with `connections` keep-alive sockets for
 * `duration` seconds, driven by autocannon in a child process, system API key, pre-registered
 * services each rated once (autocannon's setupRequest gives every request the next service), against
 * the no-op `{ me { role } }` on the same server in the same run (and registerService with
 * `register`); SQLite, or a throwaway PostgreSQL database with `postgres`.
 */
import { runAutocannon as runLoad } from '../load/spawn.js';
import { seededDatabase, seededPostgres } from '../lib/database.js';
import { environment, finishEnvironment } from '../lib/machine.js';
import { startProfile, type ProfileSummary } from '../lib/profile.js';
import type { CpuPerRequest, Grouping, IngestResult } from '../lib/results.js';
import type { LoadResult } from '../load/protocol.js';
import { actorFromCredentials, DEMO_CREDENTIALS, freshEm, groupCommitStats, startBenchServer, type GroupCommitStats } from '../lib/server.js';
import { cloneServices, registerServices, registerTemplate } from '../lib/services.js';
import { say, sleep } from '../lib/util.js';
import { countRoundTrips } from '../lib/round-trips.js';
import { cpuMeter } from '../lib/cpu.js';

export interface IngestOptions {
  /** Keep-alive connections of the load generator. */
  connections: number;
  /** Seconds of measured load per operation (after 1 s of warm-up). */
  duration: number;
  /** Services to prepare for rating; 0: enough for the duration (at least 20,000). */
  services: number;
  /** CPU profile of the server during the rating run. */
  profile: boolean;
  /** Admin URL of a PostgreSQL server: run on a throwaway database there instead of SQLite. */
  postgres: string | null;
  /** Also measure registerService over HTTP (new cases) between the no-op and the ratings. */
  register?: boolean;
}

const INGEST_MUTATION = 'mutation ($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { id } }';
const REGISTER_MUTATION = 'mutation ($input: RegisterServiceInput!) { registerService(input: $input) { id } }';

export async function benchIngest(options: IngestOptions): Promise<IngestResult> {
  const env = environment();
  const services = options.services || Math.max(20_000, options.duration * 12_000);
  say(
    `\n== ingest: ${options.connections} connections, ${options.duration} s, ${options.postgres ? 'PostgreSQL' : 'SQLite'}; registering ${services.toLocaleString('en')} services`,
  );
  const db = options.postgres ? await seededPostgres(options.postgres, 20_000) : { ...(await seededDatabase(20_000, true)), databaseUrl: undefined };
  const server = await startBenchServer(db.file, db.dataDir, {}, db.databaseUrl);
  try {
    const app = server.app;
    const system = await actorFromCredentials(app, undefined, DEMO_CREDENTIALS.systemKey);
    const prefix = `ING${Date.now().toString(36).toUpperCase()}`;
    const regStart = performance.now();
    const sample = await registerServices(app, system, 200, `${prefix}R`);
    const regMs = performance.now() - regStart;
    const cloneStart = performance.now();
    await cloneServices(app, sample[0]!.projectNo, prefix, services);
    say(
      `  registered 200 services in ${(regMs / 1000).toFixed(1)} s (${Math.round(200 / (regMs / 1000))}/s, in-process), copied to ${services.toLocaleString('en')} in ${((performance.now() - cloneStart) / 1000).toFixed(1)} s`,
    );
    const em = freshEm(app);
    const before = Number((await em.execute<Array<{ n: number }>>('select count(*) as n from rating'))[0]!.n);
    const headers = { 'content-type': 'application/json', 'x-api-key': DEMO_CREDENTIALS.systemKey };
    const common = { url: `${server.url}/graphql`, headers, connections: options.connections, durationS: options.duration, warmupS: 1 };
    const noopSpec = { ...common, body: { kind: 'fixed', text: JSON.stringify({ query: '{ me { role } }' }) } } as const;
    const pgEm = options.postgres ? em : null;
    const noopMeter = await cpuMeter(pgEm);
    const noop = await runLoad(noopSpec);
    const noopCpu = perRequest(noop, await noopMeter.stop());
    say(
      `  no-op { me { role } }: ${Math.round(noop.perSec).toLocaleString('en')}/s (p50 ${noop.latency.p50.toFixed(1)} ms, p99 ${noop.latency.p99.toFixed(1)} ms, ${noop.failed} failed)`,
    );
    await sleep(1000);
    let register: Awaited<ReturnType<typeof runLoad>> | undefined;
    if (options.register) {
      register = await runLoad({
        ...common,
        body: { kind: 'register', prefix: `${prefix}H`, count: services, query: REGISTER_MUTATION, input: await registerTemplate(app, system) },
      });
      say(
        `  registerService: ${Math.round(register.perSec).toLocaleString('en')}/s (p50 ${register.latency.p50.toFixed(1)} ms, p99 ${register.latency.p99.toFixed(1)} ms, ${register.failed} failed)`,
      );
      await sleep(1000);
    }
    const profiler = options.profile ? await startProfile('ingest') : null;
    const trips = countRoundTrips();
    trips.reset();
    const groupsBefore = groupCommitStats(app);
    const ratingMeter = await cpuMeter(pgEm);
    const ratings = await runLoad({ ...common, body: { kind: 'ratings', prefix, count: services, query: INGEST_MUTATION } });
    const ratingCpu = perRequest(ratings, await ratingMeter.stop());
    const grouping = groupingBetween(groupsBefore, groupCommitStats(app));
    // CPU per request: less moved by other processes on a shared machine than the throughput, and
    // what bounds it here, where server, database and generator share two cores.
    const cpuPerRequest = { noop: noopCpu, rating: ratingCpu };
    say(`  CPU per request, µs (server / PostgreSQL backends / load generator): no-op ${showCpu(noopCpu)}; rating ${showCpu(ratingCpu)}`);
    if (grouping && options.postgres) {
      // Warm-up ratings included: the group counters also count them.
      grouping.roundTripsPerRating = Math.round((trips.total() / grouping.ratings) * 100) / 100;
      grouping.commonStatements = trips.top(12).map((s) => ({ ...s, perRating: Math.round((s.n / grouping.ratings) * 100) / 100 }));
      say(`  PostgreSQL round trips per rating: ${grouping.roundTripsPerRating}`);
      for (const s of grouping.commonStatements) say(`    ${s.perRating.toFixed(2)}  ${s.sql}`);
    }
    let profile: ProfileSummary | undefined;
    if (profiler) profile = await profiler.stop();
    say(
      `  submitEvaluation: ${Math.round(ratings.perSec).toLocaleString('en')}/s (p50 ${ratings.latency.p50.toFixed(1)} ms, p99 ${ratings.latency.p99.toFixed(1)} ms, ${ratings.failed} failed${ratings.exhausted ? ', RAN OUT OF SERVICES: use --services' : ''}${ratings.firstError ? `, first error: ${ratings.firstError}` : ''}); ${Math.round((ratings.perSec / noop.perSec) * 100)}% of the no-op`,
    );
    // The reference again after the ratings: on a shared machine the load of others drifts during a run.
    await sleep(1000);
    const noopAfter = await runLoad(noopSpec);
    const reference = (noop.perSec + noopAfter.perSec) / 2;
    say(
      `  no-op again: ${Math.round(noopAfter.perSec).toLocaleString('en')}/s; ratings are ${Math.round((ratings.perSec / reference) * 100)}% of the no-op's mean`,
    );
    const after = Number((await em.execute<Array<{ n: number }>>('select count(*) as n from rating'))[0]!.n);
    const rollupTotal = Number(
      (await em.execute<Array<{ n: number }>>(`select coalesce(sum(n), 0) as n from rollup_count where scope = 'T' and grain = 'A' and bucket = 'H'`))[0]!.n,
    );
    return {
      env: finishEnvironment(env),
      connections: options.connections,
      durationS: options.duration,
      services,
      registration: { count: 200, ms: Math.round(regMs), perSec: Math.round(200 / (regMs / 1000)) },
      noop,
      noopAfter,
      ratings,
      register,
      ratio: Math.round((ratings.perSec / reference) * 1000) / 1000,
      check: { ratingsStored: after - before, rollupTotal },
      grouping,
      cpuPerRequest,
      profile,
    };
  } finally {
    await server.close();
    await db.cleanup();
  }
}

/** CPU per request of one load run, warm-up included on both sides (the server's meter spans the whole run). */
function perRequest(load: LoadResult, used: { serverMs: number; postgresMs: number | null }): CpuPerRequest {
  const requests = load.whole?.requests ?? load.requests;
  const us = (ms: number) => Math.round((ms / requests) * 1000);
  return {
    requests,
    serverUs: us(used.serverMs),
    postgresUs: used.postgresMs === null ? null : us(used.postgresMs),
    generatorUs: load.whole ? us(load.whole.generatorCpuMs) : null,
  };
}

function showCpu(cpu: CpuPerRequest): string {
  return `${cpu.serverUs} / ${cpu.postgresUs ?? '–'} / ${cpu.generatorUs ?? '–'}`;
}

/**
 * Group commit during a run, from the committer's cumulative counters read before and after it:
 * groups committed, jobs in them, their mean size. The largest group is the committer's largest
 * since the server started (an upper bound for the run; exact when it grew during the run).
 * Undefined when the counters did not move (or the server does not expose them).
 */
function groupingBetween(before: GroupCommitStats, after: GroupCommitStats): Grouping | undefined {
  const transactions = after.groups - before.groups;
  const jobs = after.jobs - before.jobs;
  if (transactions <= 0) return undefined;
  return { transactions, ratings: jobs, meanGroup: Math.round((jobs / transactions) * 100) / 100, maxGroup: after.largestGroup };
}
