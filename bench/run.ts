/**
 * `npm run bench -- [queries|subscribers|ingest|all] [flags]`: the benchmarks of issue 3 (a script,
 * not a test). Figures go to bench/results/latest.json (each run replaces only the sections it ran)
 * and a readable bench/results/latest.md; databases and profiles go to a temp folder or bench/.data/
 * (gitignored). Everything runs on this machine, loopback only, bounded in count and time.
 *
 *   queries      seed a fresh SQLite database with --ratings N (default 20000) and time overview and
 *                breakdown in-process (admin actor) and over HTTP: --runs (default 100) after warm-up.
 *                N >= 1,000,000 seeds into bench/.data/ and keeps the file for the next run (--fresh
 *                seeds again); the seeding time and rate are reported.
 *   subscribers  K graphql-ws clients (--subscribers 1000, or a list 1000,5000) on one identical
 *                overviewChanged subscription, in a child process; --live-ratings R (default 60)
 *                ratings over HTTP, one every --every ms (default 100); per rating and subscriber the
 *                time from the mutation's response to the first snapshot whose total includes it, for
 *                each --interval (LIVE_INTERVAL_MS, default "500,20"); then a bare `ws` server sending
 *                the same bytes to the same number of clients at the same pace. --profile writes a CPU
 *                profile of the server while it takes the ratings.
 *   ingest       submitEvaluation over HTTP with --connections (default 50) for --duration s (default
 *                10), system API key, pre-registered services each rated once, against `{ me { role } }`
 *                on the same server; --profile writes a CPU profile of the server during the rating run;
 *                --postgres URL (an admin URL) runs it on a throwaway database of that PostgreSQL server.
 *   all          queries (20000), subscribers, ingest (the default).
 */
import 'reflect-metadata';
import { fork, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { Session } from 'node:inspector';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket, { WebSocketServer } from 'ws';
import type { App } from '../server/src/app.js';
import { createApp } from '../server/src/app.js';
import { actorFromCredentials } from '../server/src/auth/auth.service.js';
import type { Actor } from '../server/src/auth/roles.js';
import { registerService } from '../server/src/case/case.service.js';
import { GroupCommit } from '../server/src/rating/group-commit.js';
import { ensureTagDictionary } from '../server/src/catalog/catalog.service.js';
import type { Config } from '../server/src/common/config.js';
import type { Em } from '../server/src/db/orm.js';
import { startServer, type RunningServer } from '../server/src/main.js';
import { DEMO_CREDENTIALS, seedDemo } from '../server/src/seed.js';
import { breakdown, overview } from '../server/src/stats/stats.service.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DATA = join(ROOT, 'bench', '.data');
const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------------

interface Flags {
  ratings: number;
  runs: number;
  fresh: boolean;
  subscribers: number[];
  intervals: number[];
  liveRatings: number;
  every: number;
  connections: number;
  duration: number;
  services: number;
  profile: boolean;
  /** Admin URL of a PostgreSQL server: `ingest` then runs on a throwaway database there. */
  postgres: string | null;
  out: string;
}

function parseFlags(argv: string[]): { command: string; flags: Flags } {
  const positional: string[] = [];
  const named = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [key, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (inline !== undefined) named.set(key, inline);
    else if (['fresh', 'profile'].includes(key)) named.set(key, 'true');
    else named.set(key, argv[++i] ?? '');
  }
  const known = ['ratings', 'runs', 'fresh', 'subscribers', 'interval', 'live-ratings', 'every', 'connections', 'duration', 'services', 'profile', 'postgres', 'out'];
  for (const key of named.keys()) if (!known.includes(key)) throw new Error(`unknown flag --${key} (known: ${known.map((k) => `--${k}`).join(' ')})`);
  const int = (key: string, fallback: number, min = 1) => {
    const raw = named.get(key);
    if (raw === undefined) return fallback;
    const value = Number(raw.replaceAll('_', ''));
    if (!Number.isInteger(value) || value < min) throw new Error(`--${key} needs an integer >= ${min}, got ${raw}`);
    return value;
  };
  const list = (key: string, fallback: number[], min = 1) => {
    const raw = named.get(key);
    if (raw === undefined) return fallback;
    const values = raw.split(',').map((v) => Number(v.replaceAll('_', '')));
    if (values.some((v) => !Number.isInteger(v) || v < min)) throw new Error(`--${key} needs integers >= ${min}, got ${raw}`);
    return values;
  };
  const command = positional[0] ?? 'all';
  if (!['all', 'queries', 'subscribers', 'ingest', '__clients', '__load', '__rate'].includes(command)) {
    throw new Error(`unknown benchmark "${command}": use queries, subscribers, ingest or all`);
  }
  const flags: Flags = {
    ratings: int('ratings', 20_000),
    runs: int('runs', 100, 50),
    fresh: named.get('fresh') === 'true',
    subscribers: list('subscribers', [1000]),
    intervals: list('interval', [500, 20], 10),
    liveRatings: int('live-ratings', 60),
    every: int('every', 100),
    connections: int('connections', 50),
    duration: int('duration', 10),
    services: int('services', 0, 0),
    profile: named.get('profile') === 'true',
    postgres: named.get('postgres') ?? null,
    out: resolve(named.get('out') ?? join(ROOT, 'bench', 'results')),
  };
  if (flags.subscribers.some((k) => k > 10_000)) throw new Error('--subscribers: at most 10000 on this machine');
  if (flags.duration > 120) throw new Error('--duration: at most 120 s');
  if (flags.connections > 500) throw new Error('--connections: at most 500');
  if (flags.liveRatings > 1000) throw new Error('--live-ratings: at most 1000');
  return { command, flags };
}

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/** Wall-clock milliseconds with sub-millisecond resolution, comparable between processes on this machine. */
const wallMs = () => performance.timeOrigin + performance.now();

export interface Summary { n: number; min: number; p50: number; p95: number; p99: number; max: number; mean: number }

function summarize(values: ArrayLike<number>): Summary {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (n === 0) return { n: 0, min: NaN, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const at = (q: number) => sorted[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))]!;
  let sum = 0;
  for (const v of sorted) sum += v;
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { n, min: r(sorted[0]!), p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), max: r(sorted[n - 1]!), mean: r(sum / n) };
}

interface Environment {
  at: string; node: string; cpu: string; cores: number; memoryGiB: number;
  loadBefore: number[]; loadAfter?: number[]; commit: string; dirty: boolean;
}

function environment(): Environment {
  let commit = 'unknown';
  let dirty = false;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  } catch { /* not a checkout */ }
  return {
    at: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30), loadBefore: loadavg().map((v) => Math.round(v * 100) / 100), commit, dirty,
  };
}

function finishEnvironment(env: Environment): Environment {
  return { ...env, loadAfter: loadavg().map((v) => Math.round(v * 100) / 100) };
}

const say = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** Settings shared by every database and server of the benchmarks (fixed development keys). */
function benchConfig(dataDir: string, extra: Partial<Config> = {}): Partial<Config> {
  return {
    dataDir, databaseUrl: undefined, redisUrl: undefined, seedDemo: false,
    piiKey: Buffer.alloc(32, 3).toString('base64'), piiKeyId: 'bench', authSecret: 'bench-secret-bench-secret-bench-secret',
    ...extra,
  };
}

interface SeedInfo {
  ratings: number; days: number; ms: number; ratingsPerSec: number;
  /** When the last rating row was written (then: the rollup counters, the demo rectification history). */
  rowsMs?: number;
  endAt: string; fileMiB: number; rollupCountRows: number; rollupTagRows: number }

/**
 * A SQLite file seeded with the demo city and `ratings` ratings. Large seeds are kept in
 * bench/.data/ (with a description next to them) and reused unless `fresh`.
 */
async function seededDatabase(ratings: number, fresh: boolean): Promise<{ file: string; dataDir: string; seed: SeedInfo; reused: boolean; cleanup(): void }> {
  const keep = ratings >= 1_000_000;
  const dataDir = keep ? join(DATA, `seed-${ratings}`) : mkdtempSync(join(tmpdir(), 'hcp-bench-'));
  const file = join(dataDir, 'bench.sqlite');
  const infoFile = join(dataDir, 'seed.json');
  // A kept database is shared between runs: one run at a time (a second one would delete the first's files).
  const lockFile = `${dataDir}.lock`;
  if (keep) takeLock(lockFile);
  const cleanup = () => {
    if (keep) rmSync(lockFile, { force: true });
    else rmSync(dataDir, { recursive: true, force: true });
  };
  if (keep && !fresh && existsSync(infoFile) && existsSync(file)) {
    say(`reusing ${file} (seeded earlier; --fresh seeds again)`);
    return { file, dataDir, seed: JSON.parse(readFileSync(infoFile, 'utf8')) as SeedInfo, reused: true, cleanup };
  }
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  try {
    return { file, dataDir, seed: await seedInto(file, dataDir, infoFile, ratings), reused: false, cleanup };
  } catch (err) {
    cleanup();
    throw err;
  }
}

/** A throwaway PostgreSQL database on the server of `adminUrl`, seeded like the SQLite ones; dropped by `cleanup`. */
async function seededPostgres(adminUrl: string, ratings: number): Promise<{ file: string; dataDir: string; databaseUrl: string; seed: SeedInfo; cleanup(): Promise<void> }> {
  const name = `hcp_bench_${Date.now().toString(36)}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try { await client.query(sql); } finally { await client.end(); }
  };
  await admin(`create database ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'hcp-bench-pg-'));
  const cleanup = async () => {
    rmSync(dataDir, { recursive: true, force: true });
    await admin(`drop database if exists ${name} with (force)`);
  };
  try {
    const seed = await seedInto(join(dataDir, 'unused.sqlite'), dataDir, join(dataDir, 'seed.json'), ratings, url.toString());
    return { file: join(dataDir, 'unused.sqlite'), dataDir, databaseUrl: url.toString(), seed, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Claims `lockFile` for this process, unless a live process holds it. */
function takeLock(lockFile: string): void {
  mkdirSync(dirname(lockFile), { recursive: true });
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, 'utf8'));
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch { /* gone */ }
    if (alive) throw new Error(`another benchmark (pid ${pid}) is using ${lockFile.replace(/\.lock$/, '')}; wait for it to finish`);
  }
  writeFileSync(lockFile, String(process.pid));
}

async function seedInto(file: string, dataDir: string, infoFile: string, ratings: number, databaseUrl?: string): Promise<SeedInfo> {
  const days = Math.min(365, Math.max(30, Math.ceil(ratings / 20_000))); // as `npm run seed`
  const app = await createApp({ sqliteFile: file, config: benchConfig(dataDir, databaseUrl ? { databaseUrl } : {}) });
  let seed: SeedInfo;
  try {
    await ensureTagDictionary(app.orm.em.fork() as Em);
    const endAt = app.clock.now();
    const started = performance.now();
    let last = 0;
    let rowsMs = 0;
    await seedDemo(app, {
      ratings, days, endAt,
      onProgress: (done, total) => {
        const now = performance.now();
        if (done === total) rowsMs = now - started;
        if (now - last < 2000 && done < total) return;
        last = now;
        const rate = done / ((now - started) / 1000);
        say(`  seeding ${done.toLocaleString('en')}/${total.toLocaleString('en')} ratings, ${Math.round(rate).toLocaleString('en')}/s`);
      },
    });
    const ms = performance.now() - started;
    const em = app.orm.em.fork() as Em;
    const count = async (table: string) => Number((await em.execute<Array<{ n: number }>>(`select count(*) as n from ${table}`))[0]!.n);
    seed = {
      ratings, days, ms: Math.round(ms), ratingsPerSec: Math.round(ratings / (ms / 1000)), rowsMs: Math.round(rowsMs), endAt: endAt.toISOString(),
      fileMiB: 0, rollupCountRows: await count('rollup_count'), rollupTagRows: await count('rollup_tag'),
    };
  } finally {
    await app.close();
  }
  seed.fileMiB = databaseUrl ? 0 : Math.round(statSync(file).size / 2 ** 20);
  writeFileSync(infoFile, `${JSON.stringify(seed, null, 2)}\n`);
  say(`seeded ${ratings.toLocaleString('en')} ratings in ${(seed.ms / 1000).toFixed(1)} s (${seed.ratingsPerSec.toLocaleString('en')}/s), ${seed.fileMiB} MiB`);
  return seed;
}

async function startBenchServer(file: string, dataDir: string, extra: Partial<Config> = {}, databaseUrl?: string): Promise<RunningServer> {
  return startServer({
    port: 0, host: '127.0.0.1', dashboardDir: null, scheduleJobs: false, sqliteFile: file, config: benchConfig(dataDir, { ...extra, ...(databaseUrl ? { databaseUrl } : {}) }),
  });
}

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (!body.data || body.errors) throw new Error(`GraphQL error: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

async function adminToken(url: string): Promise<string> {
  const { admin } = DEMO_CREDENTIALS;
  const data = await gql<{ login: { token: string } }>(url, 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', { u: admin.username, p: admin.password });
  return data.login.token;
}

/** Shanghai calendar day (YYYY-MM-DD) of an instant, shifted by `days`. */
function shanghaiDay(at: Date, days = 0): string {
  return new Date(at.getTime() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// queries
// ---------------------------------------------------------------------------------------------

const OVERVIEW_QUERY = `query ($f: StatsFilter) { overview(filter: $f) {
  scope total good bad active defaulted goodRate badRate activeGoodRate unratedRate suppressed
  byLevel { level name count } byChannel { channel name total good bad goodRate } seq asOf } }`;
const BREAKDOWN_QUERY = `query ($f: StatsFilter, $by: BreakdownBy!) { breakdown(filter: $f, by: $by) {
  scope by rows { key name code regionLevel total good bad goodRate badRate activeGoodRate unratedRate suppressed } seq asOf } }`;

interface QueryCase {
  name: string;
  field: 'overview' | 'breakdown';
  filter: Record<string, unknown> | null;
  by?: 'REGION' | 'DEPARTMENT' | 'STAFF';
  /** What the answer held (total, or number of rows), to show the query did real work. */
  result?: string;
  inProcess?: Summary;
  http?: Summary;
}

interface QueriesResult { env: Environment; ratings: number; runs: number; seed: SeedInfo & { reused: boolean }; targets: Record<string, string>; cases: QueryCase[] }

async function benchQueries(flags: Flags): Promise<QueriesResult> {
  const env = environment();
  say(`\n== queries: ${flags.ratings.toLocaleString('en')} ratings, ${flags.runs} runs per case`);
  const db = await seededDatabase(flags.ratings, flags.fresh);
  const server = await startBenchServer(db.file, db.dataDir);
  try {
    const app = server.app;
    const em = app.orm.em.fork() as Em;
    const one = async <T>(sql: string) => (await em.execute<T[]>(sql))[0]!;
    const city = await one<{ code: string; name: string }>(`select code, name from region where level = 'CITY' order by code limit 1`);
    const district = await one<{ code: string; name: string }>(`select code, name from region where level = 'DISTRICT' order by code limit 1`);
    const police = await one<{ id: number; name: string }>(`select id, name from department where name like '%公安局' and parent_id is null order by id limit 1`);
    const staffed = await one<{ id: number; name: string; n: number }>(
      'select d.id, d.name, count(*) as n from staff s join department d on d.id = s.department_id group by d.id, d.name order by n desc, d.id limit 1',
    );
    const endAt = new Date(db.seed.endAt);
    const from = shanghaiDay(endAt, -29);
    const to = shanghaiDay(endAt);
    const cases: QueryCase[] = [
      { name: `overview: city, all time (${city.name})`, field: 'overview', filter: { regionCode: city.code } },
      { name: `overview: a district, all time (${district.name})`, field: 'overview', filter: { regionCode: district.code } },
      { name: `overview: a department and its sub-units, all time (${police.name})`, field: 'overview', filter: { departmentId: Number(police.id) } },
      { name: `overview: city, 30 days (${from} – ${to})`, field: 'overview', filter: { regionCode: city.code, from, to } },
      { name: 'breakdown REGION: districts of the city, all time', field: 'breakdown', filter: { regionCode: city.code }, by: 'REGION' },
      { name: 'breakdown DEPARTMENT: city-wide (top-level departments), all time', field: 'breakdown', filter: null, by: 'DEPARTMENT' },
      { name: `breakdown STAFF: staff of a department, all time (${staffed.name}, ${staffed.n} staff)`, field: 'breakdown', filter: { departmentId: Number(staffed.id) }, by: 'STAFF' },
    ];
    const admin: Actor = { role: 'admin', label: 'bench' };
    const token = await adminToken(server.url);
    const auth = { authorization: `Bearer ${token}` };
    for (const c of cases) {
      const inProcess = async () => (c.field === 'overview'
        ? overview(app, admin, c.filter as never)
        : breakdown(app, admin, c.filter as never, c.by!, null));
      const overHttp = () => (c.field === 'overview'
        ? gql<{ overview: { total: number } }>(server.url, OVERVIEW_QUERY, { f: c.filter }, auth)
        : gql<{ breakdown: { rows: unknown[] } }>(server.url, BREAKDOWN_QUERY, { f: c.filter, by: c.by }, auth));
      const sample = await inProcess();
      c.result = c.field === 'overview' ? `total ${(sample as { total: number | null }).total}` : `${(sample as { rows: unknown[] }).rows.length} rows`;
      for (let i = 0; i < 5; i++) {
        await inProcess();
        await overHttp();
      }
      const times: number[] = [];
      for (let i = 0; i < flags.runs; i++) {
        const t = performance.now();
        await inProcess();
        times.push(performance.now() - t);
      }
      c.inProcess = summarize(times);
      const httpTimes: number[] = [];
      for (let i = 0; i < flags.runs; i++) {
        const t = performance.now();
        await overHttp();
        httpTimes.push(performance.now() - t);
      }
      c.http = summarize(httpTimes);
      say(`  ${c.name}: ${c.result}; in-process median ${c.inProcess.p50.toFixed(2)} ms p95 ${c.inProcess.p95.toFixed(2)} ms; HTTP median ${c.http.p50.toFixed(2)} ms p95 ${c.http.p95.toFixed(2)} ms`);
    }
    return {
      env: finishEnvironment(env), ratings: flags.ratings, runs: flags.runs, seed: { ...db.seed, reused: db.reused },
      targets: { city: `${city.name} ${city.code}`, district: `${district.name} ${district.code}`, department: `${police.name} (id ${police.id})`, staffDepartment: `${staffed.name} (id ${staffed.id})`, range: `${from} – ${to}` },
      cases,
    };
  } finally {
    await server.close();
    db.cleanup();
  }
}

// ---------------------------------------------------------------------------------------------
// subscribers
// ---------------------------------------------------------------------------------------------

const LIVE_SUBSCRIPTION = readFileSync(join(ROOT, 'schema', 'operations', 'screen-overview.graphql'), 'utf8');

/** Messages between the bench and its client process. */
type ToClients =
  | { type: 'connect'; url: string; protocol: 'graphql' | 'bare'; count: number; query?: string; variables?: Record<string, unknown> }
  | { type: 'expect'; total: number }
  | { type: 'collect'; base: number; ratings: number }
  | { type: 'disconnect' }
  | { type: 'exit' };
type FromClients =
  | { type: 'ready'; base: number; connectMs: number; frame: string }
  | { type: 'reached'; total: number; complete: number }
  | { type: 'collected'; received: Float64Array; missing: number }
  | { type: 'disconnected' }
  | { type: 'error'; message: string };

interface LiveRun {
  label: string; intervalMs: number | null; subscribers: number; ratings: number; everyMs: number; connectMs: number; frameBytes: number;
  /** From the mutation's response (bare: from the start of the broadcast) to each client's receipt. */
  latency: Summary;
  /** From sending the mutation (the rating's own write included) to each client's receipt. */
  fromRequest?: Summary;
  /** The mutation's own response time. */
  response?: Summary;
  missing: number; perRatingP99: Summary;
  /** With --profile: the server process during the ratings. */
  profile?: IngestResult['profile'];
}

interface SubscribersResult { env: Environment; runs: LiveRun[] }

async function benchSubscribers(flags: Flags): Promise<SubscribersResult> {
  const env = environment();
  const runs: LiveRun[] = [];
  say(`\n== subscribers: ${flags.subscribers.join(', ')} clients, intervals ${flags.intervals.join(', ')} ms, ${flags.liveRatings} ratings every ${flags.every} ms`);
  const db = await seededDatabase(20_000, true);
  const clients = new ClientProcess();
  try {
    for (const count of flags.subscribers) {
      let frame = '';
      for (const intervalMs of flags.intervals) {
        const result = await liveRun(db, clients, count, intervalMs, flags);
        frame = result.frame;
        runs.push(result.run);
      }
      runs.push(await bareRun(clients, count, frame, flags));
    }
  } finally {
    clients.stop();
    db.cleanup();
  }
  return { env: finishEnvironment(env), runs };
}

/** The server at one LIVE_INTERVAL_MS, K subscribers, R paced ratings through HTTP. */
async function liveRun(db: { file: string; dataDir: string }, clients: ClientProcess, count: number, intervalMs: number, flags: Flags): Promise<{ run: LiveRun; frame: string }> {
  const server = await startBenchServer(db.file, db.dataDir, { liveIntervalMs: intervalMs, minPublicRatings: 5 });
  try {
    const app = server.app;
    const em = app.orm.em.fork() as Em;
    const city = (await em.execute<Array<{ code: string }>>(`select code from region where level = 'CITY' limit 1`))[0]!.code;
    const system = await actorFromCredentials(app, undefined, DEMO_CREDENTIALS.systemKey);
    const services = await registerServices(app, system, flags.liveRatings, `LIVE${intervalMs}K${count}T${Date.now().toString(36)}`);
    const label = `graphql-ws, LIVE_INTERVAL_MS ${intervalMs}`;
    say(`  ${count} subscribers, ${label}: connecting`);
    const ready = await clients.connect({ type: 'connect', url: `${server.url.replace('http', 'ws')}/graphql`, protocol: 'graphql', count, query: LIVE_SUBSCRIPTION, variables: { filter: { regionCode: city } } });
    say(`    connected and subscribed in ${Math.round(ready.connectMs)} ms; snapshot total ${ready.base}, ${Buffer.byteLength(ready.frame)} bytes per message`);
    await sleep(Math.max(1000, 2 * intervalMs)); // let the first snapshot's writes settle
    // The ratings come from their own process (as a department system would send them), so the
    // response time is taken when a client gets it, not when this busy event loop gets round to it.
    const profiler = flags.profile ? await startProfile(`subscribers-${count}-${intervalMs}ms`) : null;
    const { sent, responses } = await rateFromChild({ url: `${server.url}/graphql`, apiKey: DEMO_CREDENTIALS.systemKey, services, everyMs: flags.every });
    const profile = profiler ? await profiler.stop() : undefined;
    const run = await clients.finish(ready.base, responses, label, intervalMs, count, flags, ready.connectMs, ready.frame, sent);
    if (profile) run.profile = profile;
    return { run, frame: ready.frame };
  } finally {
    await clients.disconnect();
    await server.close();
  }
}

/** The same clients and bytes from a bare `ws` server: one serialised frame per event, sent to every socket. */
async function bareRun(clients: ClientProcess, count: number, frame: string, flags: Flags): Promise<LiveRun> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((done) => wss.once('listening', () => done()));
  const port = (wss.address() as { port: number }).port;
  const base = Number(/"total":(\d+)/.exec(frame)?.[1] ?? 100_000);
  // The captured frame with the total counting up as it did for the server: the same size and shape.
  const frameWith = (total: number) => Buffer.from(frame.replace(/"total":\d+/, `"total":${total}`));
  let current = frameWith(base);
  wss.on('connection', (socket) => socket.send(current));
  try {
    say(`  ${count} subscribers, bare ws broadcast: connecting`);
    const ready = await clients.connect({ type: 'connect', url: `ws://127.0.0.1:${port}/`, protocol: 'bare', count });
    await sleep(1000);
    const events: number[] = [];
    const start = performance.now();
    for (let i = 1; i <= flags.liveRatings; i++) {
      const due = start + (i - 1) * flags.every;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      current = frameWith(base + i);
      events.push(wallMs());
      for (const socket of wss.clients) socket.send(current);
    }
    return await clients.finish(base, events, 'bare ws broadcast (same bytes, same clients)', null, count, flags, ready.connectMs, frame);
  } finally {
    await clients.disconnect();
    for (const socket of wss.clients) socket.terminate();
    await new Promise<void>((done) => wss.close(() => done()));
  }
}

interface RateSpec { url: string; apiKey: string; services: Array<{ projectNo: string; serviceNumber: number }>; everyMs: number }

/** Paced ratings from a child process; resolves with the wall time of each response. */
function rateFromChild(spec: RateSpec): Promise<{ sent: number[]; responses: number[] }> {
  return new Promise((done, fail) => {
    const child = fork(SELF, ['__rate'], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => { child.kill(); fail(new Error('rating driver timed out')); }, spec.services.length * spec.everyMs + 60_000);
    child.once('message', (m: { sent?: number[]; responses?: number[]; error?: string }) => {
      clearTimeout(timer);
      child.kill();
      if (m.responses && m.sent) done({ sent: m.sent, responses: m.responses });
      else fail(new Error(`rating driver: ${m.error}`));
    });
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`rating driver exited (${code})`)); });
    child.send(spec);
  });
}

function rateMain(): void {
  process.once('message', async (spec: RateSpec) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const url = new URL(spec.url);
    const responses: number[] = [];
    const sent: number[] = [];
    try {
      const start = performance.now();
      for (let i = 0; i < spec.services.length; i++) {
        const wait = start + i * spec.everyMs - performance.now();
        if (wait > 0) await sleep(wait);
        const body = JSON.stringify({ query: 'mutation ($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { id } }', variables: { input: { ...spec.services[i]!, level: 5 } } });
        sent.push(wallMs());
        const res = await httpPost(agent, url, { 'content-type': 'application/json', 'x-api-key': spec.apiKey }, body);
        responses.push(wallMs());
        if (res.status !== 200 || res.text.includes('"errors"')) throw new Error(`rating ${i} failed: ${res.status} ${res.text.slice(0, 300)}`);
      }
      process.send!({ sent, responses });
    } catch (err) {
      process.send!({ error: err instanceof Error ? err.message : String(err) });
    }
  });
}

function httpPost(agent: Agent, url: URL, headers: Record<string, string>, body: string): Promise<{ status: number; text: string }> {
  return new Promise((ok, bad) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', bad);
    });
    req.on('error', bad);
    req.end(body);
  });
}

/**
 * `count` more services like the registered one at `projectNo` (its case, units and service rows
 * copied in SQL with project numbers prefix0000000…): registering tens of thousands through the API
 * one transaction at a time would take minutes, and the rating path reads them exactly as it reads
 * registered ones.
 */
async function cloneServices(app: App, projectNo: string, prefix: string, count: number): Promise<void> {
  const postgres = app.dialect === 'postgresql';
  await (app.orm.em.fork() as Em).transactional(async (t) => {
    const tx = t as Em;
    const columns = async (table: string) => (await tx.execute<Array<{ name: string }>>(postgres
      ? `select column_name as name from information_schema.columns where table_name = '${table}' order by ordinal_position`
      : `pragma table_info(${table})`)).map((c) => c.name).filter((c) => c !== 'id');
    const pick = (cols: string[], alias: string, overrides: Record<string, string>) => cols.map((c) => overrides[c] ?? `${alias}.${c}`).join(', ');
    const template = (await tx.execute<Array<{ id: number; case_id: number }>>('select id, case_id from service where project_no = ? and service_number = 1', [projectNo]))[0]!;
    const caseCols = await columns('case_record');
    const unitCols = await columns('case_unit');
    const serviceCols = await columns('service');
    const numbered = postgres ? `? || lpad(seq.i::text, 7, '0')` : `? || substr('0000000' || seq.i, -7)`;
    await tx.execute(
      `with recursive seq(i) as (select 0 union all select i + 1 from seq where i < ?)
       insert into case_record (${caseCols.join(', ')})
       select ${pick(caseCols, 't', { project_no: numbered })} from seq, case_record t where t.id = ?`,
      [count - 1, prefix, template.case_id],
    );
    await tx.execute(
      `insert into case_unit (${unitCols.join(', ')})
       select ${pick(unitCols, 't', { case_id: 'c.id' })} from case_record c, case_unit t
        where c.project_no like ? and length(c.project_no) = ? and t.case_id = ?`,
      [`${prefix}%`, prefix.length + 7, template.case_id],
    );
    await tx.execute(
      `insert into service (${serviceCols.join(', ')})
       select ${pick(serviceCols, 't', { case_id: 'c.id', project_no: 'c.project_no' })} from case_record c, service t
        where c.project_no like ? and length(c.project_no) = ? and t.id = ?`,
      [`${prefix}%`, prefix.length + 7, template.id],
    );
  });
}

/** Registers completed services of the demo police department with its business system's key (in-process, as the API does). */
async function registerServices(app: App, system: Actor, count: number, prefix: string, concurrency = 1): Promise<Array<{ projectNo: string; serviceNumber: number }>> {
  const template = await registerTemplate(app, system);
  const services: Array<{ projectNo: string; serviceNumber: number }> = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const projectNo = `${prefix}${String(next++).padStart(7, '0')}`;
      await registerService(app, system, { ...template, projectNo, resultDate: new Date(template.resultDate as string) } as never);
      services.push({ projectNo, serviceNumber: 1 });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return services;
}

/** The child process holding the subscribers (so that the server and its clients use both cores). */
class ClientProcess {
  private child: ChildProcess | null = null;
  private listeners: Array<(m: FromClients) => void> = [];

  private ensure(): ChildProcess {
    if (this.child) return this.child;
    const child = fork(SELF, ['__clients'], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (m: FromClients) => this.listeners.slice().forEach((l) => l(m)));
    child.on('exit', (code) => {
      this.child = null;
      this.listeners.slice().forEach((l) => l({ type: 'error', message: `client process exited (${code})` }));
    });
    this.child = child;
    return child;
  }

  private request<T extends FromClients['type']>(message: ToClients, want: T, timeoutMs: number, onOther?: (m: FromClients) => void): Promise<Extract<FromClients, { type: T }>> {
    const child = this.ensure();
    return new Promise((resolveReply, reject) => {
      const timer = setTimeout(() => { off(); reject(new Error(`client process: no "${want}" within ${timeoutMs} ms`)); }, timeoutMs);
      const listener = (m: FromClients) => {
        if (m.type === want) { off(); resolveReply(m as Extract<FromClients, { type: T }>); } else if (m.type === 'error') { off(); reject(new Error(m.message)); } else onOther?.(m);
      };
      const off = () => { clearTimeout(timer); this.listeners = this.listeners.filter((l) => l !== listener); };
      this.listeners.push(listener);
      child.send(message);
    });
  }

  connect(message: Extract<ToClients, { type: 'connect' }>): Promise<Extract<FromClients, { type: 'ready' }>> {
    return this.request(message, 'ready', 120_000);
  }

  /** Waits until every client saw the last total (or 30 s), then computes the latencies. */
  async finish(
    base: number, eventTimes: number[], label: string, intervalMs: number | null, count: number, flags: Flags, connectMs: number, frame: string, sentTimes?: number[],
  ): Promise<LiveRun> {
    const ratings = eventTimes.length;
    try {
      await this.request({ type: 'expect', total: base + ratings }, 'reached', 30_000);
    } catch (err) {
      say(`    not every client saw the last update: ${(err as Error).message}`);
    }
    const { received, missing } = await this.request({ type: 'collect', base, ratings }, 'collected', 60_000);
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
      label, intervalMs, subscribers: count, ratings, everyMs: flags.every, connectMs: Math.round(connectMs), frameBytes: Buffer.byteLength(frame),
      latency: summarize(latencies), missing, perRatingP99: summarize(perRating),
      ...(sentTimes ? { fromRequest: summarize(fromSent), response: summarize(eventTimes.map((t, i) => t - sentTimes[i]!)) } : {}),
    };
    say(`    latency p50 ${run.latency.p50.toFixed(1)} ms, p99 ${run.latency.p99.toFixed(1)} ms, max ${run.latency.max.toFixed(1)} ms (${run.latency.n} deliveries, ${missing} missing)`
      + (run.fromRequest ? `; from the request: p50 ${run.fromRequest.p50.toFixed(1)} ms, p99 ${run.fromRequest.p99.toFixed(1)} ms; mutation p50 ${run.response!.p50.toFixed(1)} ms` : ''));
    return run;
  }

  async disconnect(): Promise<void> {
    if (this.child) await this.request({ type: 'disconnect' }, 'disconnected', 60_000);
  }

  stop(): void {
    if (!this.child) return;
    const child = this.child;
    this.child = null;
    child.send({ type: 'exit' } satisfies ToClients);
    setTimeout(() => child.kill(), 5000).unref();
  }
}

/**
 * The client process: K WebSocket clients speaking the minimum of graphql-transport-ws (or nothing,
 * for the bare server), each recording when a message with a new total arrived.
 */
function clientMain(): void {
  let sockets: WebSocket[] = [];
  /** Per client: [total, time] of every message. */
  let seen: Array<number[]> = [];
  let expecting: number | null = null;
  let completeCount = 0;
  let reached = new Uint8Array(0);
  const send = (m: FromClients) => process.send!(m);
  const totalOf = (text: string): number => {
    const i = text.indexOf('"total":');
    return i < 0 ? NaN : Number.parseInt(text.slice(i + 8, i + 20), 10);
  };
  const checkReached = (index: number, total: number) => {
    if (expecting !== null && total >= expecting && !reached[index]) {
      reached[index] = 1;
      completeCount += 1;
      if (completeCount === sockets.length) {
        send({ type: 'reached', total: expecting, complete: completeCount });
        expecting = null;
      }
    }
  };

  process.on('message', async (m: ToClients) => {
    try {
      if (m.type === 'connect') {
        const started = performance.now();
        sockets = [];
        seen = [];
        let base = NaN;
        let frame = '';
        let initial = 0;
        await new Promise<void>((resolveAll, reject) => {
          const batch = 250;
          let opened = 0;
          const open = (index: number) => {
            const socket = m.protocol === 'graphql' ? new WebSocket(m.url, 'graphql-transport-ws', { perMessageDeflate: false }) : new WebSocket(m.url, { perMessageDeflate: false });
            sockets[index] = socket;
            const record: number[] = [];
            seen[index] = record;
            let first = true;
            socket.on('open', () => {
              if (m.protocol === 'graphql') socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
            });
            socket.on('message', (data: Buffer) => {
              const at = wallMs();
              const text = data.toString('utf8');
              if (m.protocol === 'graphql' && text.startsWith('{"type":"connection_ack"')) {
                socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: m.query, variables: m.variables } }));
                return;
              }
              const total = totalOf(text);
              if (!Number.isFinite(total)) {
                if (text.includes('"errors"') || text.includes('"type":"error"')) reject(new Error(`subscription error: ${text.slice(0, 300)}`));
                return;
              }
              record.push(total, at);
              if (first) {
                first = false;
                base = total;
                frame = text;
                initial += 1;
                if (initial % batch === 0 && opened < m.count) for (let k = 0; k < batch && opened < m.count; k++) open(opened++);
                if (initial === m.count) resolveAll();
              } else checkReached(index, total);
            });
            socket.on('error', (err) => reject(err));
          };
          for (let k = 0; k < Math.min(batch, m.count); k++) open(opened++);
        });
        send({ type: 'ready', base, connectMs: performance.now() - started, frame });
      } else if (m.type === 'expect') {
        expecting = m.total;
        completeCount = 0;
        reached = new Uint8Array(sockets.length);
        seen.forEach((record, c) => {
          if (record.length >= 2 && record[record.length - 2]! >= m.total) {
            reached[c] = 1;
            completeCount += 1;
          }
        });
        if (completeCount === sockets.length) {
          send({ type: 'reached', total: m.total, complete: completeCount });
          expecting = null;
        }
      } else if (m.type === 'collect') {
        // received[c × ratings + i]: when client c first saw a total including rating i+1.
        const received = new Float64Array(sockets.length * m.ratings).fill(NaN);
        let missing = 0;
        seen.forEach((record, c) => {
          let i = 0;
          for (let k = 0; k < record.length; k += 2) {
            const total = record[k]!;
            while (i < m.ratings && total >= m.base + i + 1) received[c * m.ratings + i++] = record[k + 1]!;
          }
          missing += m.ratings - i;
        });
        send({ type: 'collected', received, missing });
      } else if (m.type === 'disconnect') {
        await Promise.all(sockets.map((s) => new Promise<void>((done) => {
          if (s.readyState === WebSocket.CLOSED) return done();
          s.once('close', () => done());
          s.terminate();
        })));
        sockets = [];
        seen = [];
        send({ type: 'disconnected' });
      } else if (m.type === 'exit') {
        for (const s of sockets) s.terminate();
        process.exit(0);
      }
    } catch (err) {
      send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    }
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------------------------------------
// ingest
// ---------------------------------------------------------------------------------------------

interface LoadSpec {
  url: string; headers: Record<string, string>; connections: number; durationS: number; warmupS: number;
  body: { kind: 'fixed'; text: string } | { kind: 'ratings'; prefix: string; count: number; query: string }
    | { kind: 'register'; prefix: string; count: number; query: string; input: Record<string, unknown> };
}
interface LoadResult { requests: number; ok: number; failed: number; firstError?: string; perSec: number; latency: Summary; exhausted: boolean; seconds: number }

interface IngestResult {
  env: Environment; connections: number; durationS: number; services: number; registration: { count: number; ms: number; perSec: number };
  noop: LoadResult; ratings: LoadResult; ratio: number;
  /** `registerService` over HTTP with the same connections (new cases, one service each). */
  register?: LoadResult; check: { ratingsStored: number; rollupTotal: number };
  /** Group commit as observed during the rating run: transactions and ratings per transaction. */
  grouping?: { transactions: number; ratings: number; meanGroup: number; maxGroup: number; meanMs: number };
  profile?: { file: string; top: Array<{ fn: string; selfMs: number; share: number }>; inclusive?: Array<{ fn: string; selfMs: number; share: number }> };
}

const INGEST_MUTATION = 'mutation ($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { id } }';
const REGISTER_MUTATION = 'mutation ($input: RegisterServiceInput!) { registerService(input: $input) { id } }';

/** The fields of a completed service record of the system's department (projectNo added per request). */
async function registerTemplate(app: App, system: Actor): Promise<Record<string, unknown>> {
  const em = app.orm.em.fork() as Em;
  const dept = (await em.execute<Array<{ credit_code: string; path: string }>>('select credit_code, path from department where id = ?', [system.departmentId]))[0]!;
  const item = (await em.execute<Array<{ task_code: string }>>(
    `select i.task_code from item i join department d on d.id = i.department_id where d.path like ? order by i.id limit 1`, [`${dept.path}%`],
  ))[0]!;
  return {
    serviceNumber: 1, serviceName: '办结', taskCode: item.task_code, deptCode: dept.credit_code, proStatus: 3, proChannel: 2,
    resultDate: new Date(app.clock.now().getTime() - 60_000).toISOString(), userName: '演示用户', mobile: '13800000000', certKey: '410102199001011234', userProp: 1,
  };
}

async function benchIngest(flags: Flags): Promise<IngestResult> {
  const env = environment();
  const services = flags.services || Math.max(20_000, flags.duration * 12_000);
  say(`\n== ingest: ${flags.connections} connections, ${flags.duration} s, ${flags.postgres ? 'PostgreSQL' : 'SQLite'}; registering ${services.toLocaleString('en')} services`);
  const db = flags.postgres ? await seededPostgres(flags.postgres, 20_000) : { ...(await seededDatabase(20_000, true)), databaseUrl: undefined };
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
    say(`  registered 200 services in ${(regMs / 1000).toFixed(1)} s (${Math.round(200 / (regMs / 1000))}/s, in-process), copied to ${services.toLocaleString('en')} in ${((performance.now() - cloneStart) / 1000).toFixed(1)} s`);
    const em = app.orm.em.fork() as Em;
    const before = Number((await em.execute<Array<{ n: number }>>('select count(*) as n from rating'))[0]!.n);
    const headers = { 'content-type': 'application/json', 'x-api-key': DEMO_CREDENTIALS.systemKey };
    const common = { url: `${server.url}/graphql`, headers, connections: flags.connections, durationS: flags.duration, warmupS: 1 };
    const noop = await runLoad({ ...common, body: { kind: 'fixed', text: JSON.stringify({ query: '{ me { role } }' }) } });
    say(`  no-op { me { role } }: ${Math.round(noop.perSec).toLocaleString('en')}/s (p50 ${noop.latency.p50.toFixed(1)} ms, p99 ${noop.latency.p99.toFixed(1)} ms, ${noop.failed} failed)`);
    await sleep(1000);
    const register = await runLoad({ ...common, body: { kind: 'register', prefix: `${prefix}H`, count: services, query: REGISTER_MUTATION, input: await registerTemplate(app, system) } });
    say(`  registerService: ${Math.round(register.perSec).toLocaleString('en')}/s (p50 ${register.latency.p50.toFixed(1)} ms, p99 ${register.latency.p99.toFixed(1)} ms, ${register.failed} failed)`);
    await sleep(1000);
    const profiler = flags.profile ? await startProfile('ingest') : null;
    const groups = observeGroupCommits();
    const ratings = await runLoad({ ...common, body: { kind: 'ratings', prefix, count: services, query: INGEST_MUTATION } });
    const grouping = groups.stop();
    let profile: IngestResult['profile'];
    if (profiler) profile = await profiler.stop();
    say(`  submitEvaluation: ${Math.round(ratings.perSec).toLocaleString('en')}/s (p50 ${ratings.latency.p50.toFixed(1)} ms, p99 ${ratings.latency.p99.toFixed(1)} ms, ${ratings.failed} failed${ratings.exhausted ? ', RAN OUT OF SERVICES: use --services' : ''})`);
    const after = Number((await em.execute<Array<{ n: number }>>('select count(*) as n from rating'))[0]!.n);
    const rollupTotal = Number((await em.execute<Array<{ n: number }>>(`select coalesce(sum(n), 0) as n from rollup_count where scope = 'T' and grain = 'A' and bucket = 'H'`))[0]!.n);
    return {
      env: finishEnvironment(env), connections: flags.connections, durationS: flags.duration, services,
      registration: { count: 200, ms: Math.round(regMs), perSec: Math.round(200 / (regMs / 1000)) },
      noop, ratings, register, ratio: Math.round((ratings.perSec / noop.perSec) * 1000) / 1000,
      check: { ratingsStored: after - before, rollupTotal }, grouping, profile,
    };
  } finally {
    await server.close();
    await db.cleanup();
  }
}

/**
 * Counts the transactions of the rating path's group commit (wrapping its private `commitGroup`,
 * observation only) so the report can say how many ratings shared each commit.
 */
function observeGroupCommits(): { stop(): IngestResult['grouping'] } {
  const proto = GroupCommit.prototype as unknown as { commitGroup?: (jobs: unknown[]) => Promise<void> };
  const original = proto.commitGroup;
  if (typeof original !== 'function') return { stop: () => undefined };
  const sizes: number[] = [];
  let totalMs = 0;
  proto.commitGroup = async function (this: unknown, jobs: unknown[]) {
    const t = performance.now();
    try {
      return await original.call(this, jobs);
    } finally {
      sizes.push(jobs.length);
      totalMs += performance.now() - t;
    }
  };
  return {
    stop() {
      proto.commitGroup = original;
      const ratings = sizes.reduce((a, b) => a + b, 0);
      return {
        transactions: sizes.length, ratings, meanGroup: Math.round((ratings / Math.max(1, sizes.length)) * 100) / 100,
        maxGroup: Math.max(0, ...sizes), meanMs: Math.round((totalMs / Math.max(1, sizes.length)) * 100) / 100,
      };
    },
  };
}

/** Starts the V8 sampling profiler of this process; `stop` saves it under bench/.data/profiles and summarises it. */
async function startProfile(name: string): Promise<{ stop(): Promise<NonNullable<IngestResult['profile']>> }> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: 500 });
  await post(session, 'Profiler.start');
  return {
    async stop() {
      const { profile: raw } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
      session.disconnect();
      mkdirSync(join(DATA, 'profiles'), { recursive: true });
      const file = join(DATA, 'profiles', `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.cpuprofile`);
      writeFileSync(file, JSON.stringify(raw));
      return { file: file.slice(ROOT.length + 1), top: topFunctions(raw, 20), inclusive: inclusiveFunctions(raw, 25) };
    },
  };
}

interface CpuProfile { nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>; samples: number[]; timeDeltas: number[] }

function post<T = unknown>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((done, fail) => session.post(method, params ?? {}, (err, result) => (err ? fail(err) : done(result as T))));
}

const frameName = (node: CpuProfile['nodes'][number]) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${url.replace(/^file:\/\//, '').replace(`${ROOT}/`, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'} ${where}`.trim();
};

/** Time spent in a function or anything it called (each sample counted once per function), the largest first. */
function inclusiveFunctions(profile: CpuProfile, limit: number): Array<{ fn: string; selfMs: number; share: number }> {
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...byNode.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  for (const [id, us] of byNode) {
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = frameName(byId.get(at)!);
      if (name === '(root)' || seen.has(name)) continue;
      seen.add(name);
      byFn.set(name, (byFn.get(name) ?? 0) + us);
    }
  }
  return [...byFn].filter(([fn]) => !fn.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, limit)
    .map(([fn, us]) => ({ fn, selfMs: Math.round(us / 1000), share: Math.round((us / total) * 1000) / 10 }));
}

/** Self time per function (name and file), the largest first. */
function topFunctions(profile: CpuProfile, limit: number): Array<{ fn: string; selfMs: number; share: number }> {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFn = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const us = byNode.get(node.id) ?? 0;
    total += us;
    const key = frameName(node);
    byFn.set(key, (byFn.get(key) ?? 0) + us);
  }
  return [...byFn].sort((a, b) => b[1] - a[1]).slice(0, limit)
    .map(([fn, us]) => ({ fn, selfMs: Math.round(us / 1000), share: Math.round((us / total) * 1000) / 10 }));
}

/** Runs the HTTP load in a child process (like autocannon would), keep-alive, `connections` sockets. */
function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return new Promise((done, fail) => {
    const child = fork(SELF, ['__load'], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const timer = setTimeout(() => { child.kill(); fail(new Error('load generator timed out')); }, (spec.durationS + spec.warmupS + 60) * 1000);
    child.once('message', (m: LoadResult) => { clearTimeout(timer); done(m); child.kill(); });
    child.once('exit', (code) => { clearTimeout(timer); fail(new Error(`load generator exited (${code})`)); });
    child.send(spec);
  });
}

function loadMain(): void {
  process.once('message', async (spec: LoadSpec) => {
    const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
    const url = new URL(spec.url);
    let next = 0;
    let exhausted = false;
    const bodyFor = (): string | null => {
      if (spec.body.kind === 'fixed') return spec.body.text;
      if (next >= spec.body.count) {
        exhausted = true;
        return null;
      }
      const i = next++;
      const projectNo = `${spec.body.prefix}${String(i).padStart(7, '0')}`;
      if (spec.body.kind === 'register') return JSON.stringify({ query: spec.body.query, variables: { input: { ...spec.body.input, projectNo } } });
      return JSON.stringify({ query: spec.body.query, variables: { input: { projectNo, serviceNumber: 1, level: 5 } } });
    };
    const postOnce = (body: string) => httpPost(agent, url, spec.headers, body);
    const warmupEnd = performance.now() + spec.warmupS * 1000;
    const end = warmupEnd + spec.durationS * 1000;
    let ok = 0;
    let failed = 0;
    let firstError: string | undefined;
    const latencies: number[] = [];
    const loop = async () => {
      for (;;) {
        const started = performance.now();
        if (started >= end) return;
        const body = bodyFor();
        if (body === null) return;
        let good = false;
        try {
          const res = await postOnce(body);
          good = res.status === 200 && !res.text.includes('"errors"');
          if (!good) firstError ??= `${res.status} ${res.text.slice(0, 300)}`;
        } catch (err) {
          firstError ??= String(err);
        }
        const finished = performance.now();
        if (started >= warmupEnd && finished <= end) {
          if (good) ok += 1;
          else failed += 1;
          latencies.push(finished - started);
        }
      }
    };
    await Promise.all(Array.from({ length: spec.connections }, loop));
    agent.destroy();
    const result: LoadResult = {
      requests: ok + failed, ok, failed, firstError, perSec: ok / spec.durationS, latency: summarize(latencies), exhausted, seconds: spec.durationS,
    };
    process.send!(result);
  });
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

interface Results {
  updatedAt?: string;
  queries?: Record<string, QueriesResult>;
  subscribers?: SubscribersResult;
  ingest?: IngestResult;
  /** The same run on PostgreSQL (`ingest --postgres URL`). */
  ingestPostgres?: IngestResult;
}

function saveResults(out: string, update: (r: Results) => void): void {
  mkdirSync(out, { recursive: true });
  const jsonFile = join(out, 'latest.json');
  let results: Results = {};
  if (existsSync(jsonFile)) {
    try {
      results = JSON.parse(readFileSync(jsonFile, 'utf8')) as Results;
    } catch { /* start over */ }
  }
  update(results);
  results.updatedAt = new Date().toISOString();
  writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(out, 'latest.md'), renderMarkdown(results));
  const shown = (f: string) => (f.startsWith(`${ROOT}/`) ? f.slice(ROOT.length + 1) : f);
  say(`\nwrote ${shown(jsonFile)} and ${shown(join(out, 'latest.md'))}`);
}

const ms = (v: number) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : '–');
const int = (v: number) => Math.round(v).toLocaleString('en');
const envLine = (e: Environment) => `${e.at.slice(0, 16).replace('T', ' ')} UTC · Node ${e.node} · ${e.cores} × ${e.cpu} · ${e.memoryGiB} GiB · commit ${e.commit}${e.dirty ? ' (+ uncommitted changes)' : ''} · load average ${e.loadBefore.join(' / ')} before, ${(e.loadAfter ?? []).join(' / ')} after`;

function renderMarkdown(r: Results): string {
  const out: string[] = [
    '# Benchmark results (`npm run bench`)',
    '',
    `Generated by \`bench/run.ts\`; raw figures in \`latest.json\`. Last update ${r.updatedAt?.slice(0, 16).replace('T', ' ')} UTC.`,
    'Every figure was measured on this 2-core machine with the load generator or the clients on the same box (loopback);',
    'other work on the machine shows in the load averages given with each section.',
    '',
  ];
  for (const q of Object.values(r.queries ?? {}).sort((a, b) => a.ratings - b.ratings)) {
    out.push(`## Queries over ${int(q.ratings)} ratings`, '', envLine(q.env), '');
    const s = q.seed;
    out.push(`Seeded ${int(s.ratings)} demo ratings over ${s.days} days into SQLite (\`seedDemo\`): ${(s.ms / 1000).toFixed(1)} s (${int(s.ratingsPerSec)} ratings/s)${s.reused ? ', reused from an earlier run' : ''}`
      + `${s.rowsMs ? `, of which ${(s.rowsMs / 1000).toFixed(1)} s until the last rating row was written (${int(s.ratings / (s.rowsMs / 1000))}/s) and the rest for the rollup counters and the demo rectification history` : ''}; `
      + `${int(s.fileMiB)} MiB, ${int(s.rollupCountRows)} rollup_count and ${int(s.rollupTagRows)} rollup_tag rows.`, '');
    out.push(`${q.runs} runs per case after 5 warm-up runs, one at a time; in-process = the service function with an admin actor, HTTP = POST /graphql with an admin session (client in the same process). Milliseconds.`, '');
    out.push('| query | answer | in-process median | in-process p95 | HTTP median | HTTP p95 |', '|---|---|---:|---:|---:|---:|');
    for (const c of q.cases) out.push(`| ${c.name} | ${c.result} | ${ms(c.inProcess!.p50)} | ${ms(c.inProcess!.p95)} | ${ms(c.http!.p50)} | ${ms(c.http!.p95)} |`);
    out.push('');
  }
  if (r.subscribers) {
    const s = r.subscribers;
    out.push('## Live updates to subscribers', '', envLine(s.env), '');
    out.push('One identical `overviewChanged` subscription (schema/operations/screen-overview.graphql, city filter) per client, all clients in one child process. '
      + 'Ratings come from another child process over HTTP (`submitEvaluation`, system API key), one every N ms. '
      + '"after response" = from the moment the rating client got the mutation\'s response to a subscriber receiving the first snapshot whose total includes the rating '
      + '(negative when the push arrives before the response); "after request" = from sending the mutation, the write included; '
      + 'bare = from the start of the broadcast loop. Coalescing adds up to LIVE_INTERVAL_MS by design. Milliseconds.', '');
    out.push('| subscribers | server | ratings × every | bytes/msg | after response p50 | p99 | max | after request p50 | p99 | mutation p50 | deliveries | missing |',
      '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const run of s.runs) {
      out.push(`| ${int(run.subscribers)} | ${run.label} | ${run.ratings} × ${run.everyMs} ms | ${int(run.frameBytes)} | ${ms(run.latency.p50)} | ${ms(run.latency.p99)} | ${ms(run.latency.max)} | `
        + `${run.fromRequest ? ms(run.fromRequest.p50) : '–'} | ${run.fromRequest ? ms(run.fromRequest.p99) : '–'} | ${run.response ? ms(run.response.p50) : '–'} | ${int(run.latency.n)} | ${run.missing} |`);
    }
    const bySubs = new Map<number, LiveRun[]>();
    for (const run of s.runs) bySubs.set(run.subscribers, [...(bySubs.get(run.subscribers) ?? []), run]);
    out.push('');
    for (const [subs, list] of bySubs) {
      const bare = list.find((x) => x.intervalMs === null);
      if (!bare) continue;
      for (const run of list.filter((x) => x.intervalMs !== null)) {
        const req = run.fromRequest;
        if (run.profile) {
          const top = run.profile.inclusive!.filter((f) => !/^(processTicksAndRejections|runMicrotasks|listOnTimeout|processTimers|\(program\))/.test(f.fn)).slice(0, 8);
          out.push(`- CPU profile of the server, ${int(subs)} subscribers at ${run.intervalMs} ms (\`${run.profile.file}\`), largest inclusive: ${top.map((f) => `\`${f.fn.split(' ')[0]}\` ${f.share}%`).join(', ')}.`);
        }
        out.push(`- ${int(subs)} subscribers, interval ${run.intervalMs} ms: after the response p99 ${ms(run.latency.p99)} ms`
          + `${req ? `, after the request p99 ${ms(req.p99)} ms` : ''}, against ${ms(bare.latency.p99)} ms for the bare broadcast`
          + `${req ? ` (${(req.p99 / bare.latency.p99).toFixed(2)}× counted from the request)` : ''}.`);
      }
    }
    out.push('');
  }
  for (const [title, g] of [['SQLite', r.ingest], ['PostgreSQL', r.ingestPostgres]] as const) {
    if (!g) continue;
    out.push(`## Ingest (${title})`, '', envLine(g.env), '');
    out.push(`${g.connections} keep-alive connections for ${g.durationS} s after 1 s of warm-up, from a child process; system API key; `
      + `${int(g.services)} completed services prepared beforehand (${g.registration.count} registered through \`registerService\` in-process at ${int(g.registration.perSec)}/s, copied in SQL to the rest), each rated once (level 5, selection \`{ id }\`).`, '');
    out.push('| operation | requests/s | p50 ms | p99 ms | failed |', '|---|---:|---:|---:|---:|');
    out.push(`| no-op query \`{ me { role } }\` | ${int(g.noop.perSec)} | ${ms(g.noop.latency.p50)} | ${ms(g.noop.latency.p99)} | ${g.noop.failed} |`);
    if (g.register) out.push(`| \`registerService\` (new case) | ${int(g.register.perSec)} | ${ms(g.register.latency.p50)} | ${ms(g.register.latency.p99)} | ${g.register.failed} |`);
    out.push(`| \`submitEvaluation\` | ${int(g.ratings.perSec)} | ${ms(g.ratings.latency.p50)} | ${ms(g.ratings.latency.p99)} | ${g.ratings.failed}${g.ratings.exhausted ? ' (ran out of services)' : ''} |`);
    out.push('', `Ratings reach **${(g.ratio * 100).toFixed(0)}%** of the no-op rate (goal in stack.md: ≥ 5,000/s and ≥ 60%). Stored ratings during the run: ${int(g.check.ratingsStored)}; all-time rollup total: ${int(g.check.rollupTotal)}.`);
    if (g.ratings.firstError) out.push('', `First failure: \`${g.ratings.firstError.replace(/`/g, "'").slice(0, 200)}\``);
    if (g.grouping) {
      out.push('', `Group commit during the rating run: ${int(g.grouping.transactions)} transactions for ${int(g.grouping.ratings)} ratings `
        + `(mean ${g.grouping.meanGroup} and at most ${g.grouping.maxGroup} ratings per transaction, ${ms(g.grouping.meanMs)} ms per transaction).`);
    }
    if (g.profile) {
      out.push('', `CPU profile of the server during the rating run: \`${g.profile.file}\` (not committed). Largest self times:`, '', '| function | self ms | share |', '|---|---:|---:|');
      for (const f of g.profile.top) out.push(`| \`${f.fn}\` | ${int(f.selfMs)} | ${f.share}% |`);
      if (g.profile.inclusive) {
        out.push('', 'Largest inclusive times (the function and what it called):', '', '| function | ms | share |', '|---|---:|---:|');
        for (const f of g.profile.inclusive) out.push(`| \`${f.fn}\` | ${int(f.selfMs)} | ${f.share}% |`);
      }
    }
    out.push('');
  }
  return `${out.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { command, flags } = parseFlags(process.argv.slice(2));
  if (command === '__clients') return clientMain();
  if (command === '__load') return loadMain();
  if (command === '__rate') return rateMain();
  const run = async (name: 'queries' | 'subscribers' | 'ingest') => {
    if (name === 'queries') {
      const result = await benchQueries(flags);
      saveResults(flags.out, (r) => { r.queries = { ...(r.queries ?? {}), [String(flags.ratings)]: result }; });
    } else if (name === 'subscribers') {
      const result = await benchSubscribers(flags);
      saveResults(flags.out, (r) => { r.subscribers = result; });
    } else {
      const result = await benchIngest(flags);
      saveResults(flags.out, (r) => {
        if (flags.postgres) r.ingestPostgres = result;
        else r.ingest = result;
      });
    }
  };
  if (command === 'all') {
    for (const name of ['queries', 'subscribers', 'ingest'] as const) await run(name);
  } else await run(command as 'queries' | 'subscribers' | 'ingest');
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
