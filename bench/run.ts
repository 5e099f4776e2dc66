/**
 * `npm run bench -- [queries|subscribers|ingest|…|memory|screen|all] [flags]`: the benchmarks (a script,
 * not a test). Figures go to bench/results/latest.json (each run replaces only the sections it ran)
 * and a readable bench/results/latest.md; databases and profiles go to a temp folder or bench/.data/
 * (gitignored). Everything runs on this machine, loopback only, bounded in count and time.
 *
 *   queries      seed a fresh SQLite database with --ratings N (default 20000) and time overview and
 *                breakdown in-process (admin actor) and over HTTP: --runs (default 100) after warm-up.
 *                --no-raw skips the raw GROUP BY reference (about 45 s per figure at 10 M) while iterating.
 *                N >= 1,000,000 seeds into bench/.data/ and keeps the file for the next run (--fresh
 *                seeds again); the seeding time and rate are reported.
 *   subscribers  K graphql-ws clients (--subscribers 1000, or a list 1000,5000) on one identical
 *                overviewChanged subscription, in a child process; --live-ratings R (default 200:
 *                the p99 of fewer ratings is the worst one's)
 *                ratings over HTTP, one every --every ms (default 100); per rating and subscriber the
 *                time from the mutation's response to the first snapshot whose total includes it, for
 *                each --interval (LIVE_INTERVAL_MS, default "500,20"); then a bare `ws` server sending
 *                the same bytes to the same number of clients at the same pace. --profile writes a CPU
 *                profile of the server while it takes the ratings.
 *   ingest       submitEvaluation over HTTP with --connections (default 50) for --duration s (default
 *                10), system API key, pre-registered services each rated once, against `{ me { role } }`
 *                on the same server; --profile writes a CPU profile of the server during the rating run;
 *                --postgres URL (an admin URL) runs it on a throwaway database of that PostgreSQL server.
 *                The load comes from autocannon (bench/load/autocannon-load.ts) in a child process;
 *                --register also measures registerService.
 *   p1           ingest on SQLite, then on PostgreSQL (--postgres URL, or DATABASE_URL from the
 *                environment, as an admin URL): the issue's P1 figure, each beside its own no-op.
 *   batch        submitEvaluations over HTTP in batches of 100 and of 1,000 (--batch-ratings per size,
 *                default 5000), one system sending call after call, beside raw multi-row inserts of the
 *                same rows into a scratch table of the rating table's shape (better-sqlite3 / pg);
 *                --postgres URL as for ingest. Figures in bench/results/batch.json and batch.md.
 *   cross        P6: two server processes (A, B) on a throwaway database of --postgres URL (or DATABASE_URL)
 *                and Redis (--redis URL, or REDIS_URL, default redis://127.0.0.1:6379); --subscribers K
 *                (first value, default 1000) on B while --live-ratings paced ratings go to A, then the same
 *                on A: p99 from sending a rating to the snapshot on B against on A (LIVE_INTERVAL_MS: first --interval, default 20).
 *   workers      P7: for each N of --workers (default 1,2) the server with WORKERS=N on PostgreSQL + Redis as
 *                for cross; --subscribers K spread over the workers (clients in up to 4 child processes from
 *                127.0.0.2…), fan-out latency against the bare broadcast to the same clients, then ingest
 *                (submitEvaluation with autocannon, --connections, --duration) against the same server.
 *   abuse        responsiveness under abuse: a victim's latency (GET /healthz and { me { role } } every
 *                50 ms) while an abusive client is idle, opens WebSocket subscriptions with distinct
 *                arguments, sends alias/fragment bombs and 6 MB bodies, or floods ratings; --duration s
 *                per phase (default 10). Measured, not asserted.
 *   bulletin     seed as `queries` (--ratings N; >= 1,000,000 kept in bench/.data/) and time generateBulletin
 *                (the build, no PDF) of the demo city for last month (cold and frozen) and this month.
 *                Figures in bench/results/bulletin.json and bulletin.md.
 *   memory       P4: the real server (spawned, SQLite, demo city) and a bare `ws` server answering the same
 *                graphql-ws handshake (connection_init → ack, subscribe → one `next`), both with --expose-gc and
 *                bench/load/memory-probe.ts (a sample after full GCs, asked over IPC: no endpoint); --warmup W idle
 *                subscribers (default 2000, two client processes from 127.0.0.2/.3), then --added K more (default
 *                2000): RSS, heap and external memory per added subscriber, --repeat R fresh repetitions
 *                (default 3), medians and the ratio against the bare server (goal ≤ 1.2×).
 *   screen       P8: Debian's Chromium (playwright-core) against the spawned server on a demo-seeded SQLite
 *                database serving dist/dashboard (built first when missing): --loads N cold loads (default 10,
 *                after one unrecorded) of /screen at 1920×1080, navigation start → the total counter showing a
 *                number (p50/p95); then /widget, /widget/bulletin and a portal page with /embed.js: every
 *                script response gzipped here (budget 60 KB), whether the server compresses, every font.
 *   all          queries (20000), subscribers, p1 (the default; not batch, bulletin, cross, workers or abuse).
 *
 * This file is only the command line. The scenarios are in bench/scenarios/, the load workers (child
 * processes) in bench/load/, shared helpers in bench/lib/; server code is reached through
 * bench/lib/server.ts only.
 */
import { resolve } from 'node:path';
import { saveResults } from './lib/results.js';
import { DEFAULT_RESULTS_DIR } from './lib/util.js';
import { benchAbuse } from './scenarios/abuse.js';
import { benchBatch } from './scenarios/batch.js';
import { benchBulletin } from './scenarios/bulletin.js';
import { benchIngest } from './scenarios/ingest.js';
import { benchMemory } from './scenarios/memory.js';
import { benchQueries } from './scenarios/queries.js';
import { benchScreen } from './scenarios/screen.js';
import { benchSubscribers } from './scenarios/subscribers.js';
import { benchCross, benchWorkers, type ClusterBenchOptions } from './scenarios/workers.js';

const SCENARIOS = ['queries', 'subscribers', 'ingest', 'p1', 'cross', 'workers'] as const;
type Scenario = (typeof SCENARIOS)[number] | 'batch' | 'abuse' | 'bulletin' | 'memory' | 'screen';

interface Flags {
  ratings: number;
  runs: number;
  fresh: boolean;
  /** `queries`: skip the raw GROUP BY reference (--no-raw). */
  noRaw: boolean;
  subscribers: number[];
  intervals: number[];
  liveRatings: number;
  every: number;
  connections: number;
  duration: number;
  services: number;
  batchRatings: number;
  profile: boolean;
  register: boolean;
  /** Admin URL of a PostgreSQL server: `ingest` then runs on a throwaway database there. */
  postgres: string | null;
  /** Redis of `cross` and `workers`. */
  redis: string;
  /** WORKERS values of `workers`. */
  workers: number[];
  /** LIVE_INTERVAL_MS of `cross` and `workers`: the first --interval, default 20. */
  clusterIntervalMs: number;
  /** `memory`: warm-up subscribers, added subscribers, fresh repetitions. */
  warmup: number;
  added: number;
  repeat: number;
  /** `screen`: cold loads of /screen. */
  loads: number;
  out: string;
}

function parseFlags(argv: string[]): { command: Scenario | 'all'; flags: Flags } {
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
    else if (['fresh', 'profile', 'register', 'no-raw'].includes(key)) named.set(key, 'true');
    else named.set(key, argv[++i] ?? '');
  }
  const known = [
    'ratings',
    'runs',
    'fresh',
    'no-raw',
    'subscribers',
    'interval',
    'live-ratings',
    'every',
    'connections',
    'duration',
    'services',
    'batch-ratings',
    'profile',
    'register',
    'postgres',
    'redis',
    'workers',
    'warmup',
    'added',
    'repeat',
    'loads',
    'out',
  ];
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
  if (command !== 'all' && !['batch', 'abuse', 'bulletin', 'memory', 'screen'].includes(command) && !(SCENARIOS as readonly string[]).includes(command)) {
    throw new Error(`unknown benchmark "${command}": use queries, subscribers, ingest, p1, cross, workers, batch, abuse, bulletin, memory, screen or all`);
  }
  const flags: Flags = {
    ratings: int('ratings', 20_000),
    runs: int('runs', 100, 50),
    fresh: named.get('fresh') === 'true',
    noRaw: named.get('no-raw') === 'true',
    subscribers: list('subscribers', [1000]),
    intervals: list('interval', [500, 20], 10),
    liveRatings: int('live-ratings', 200),
    every: int('every', 100),
    connections: int('connections', 50),
    duration: int('duration', 10),
    services: int('services', 0, 0),
    batchRatings: int('batch-ratings', 5000, 100),
    profile: named.get('profile') === 'true',
    register: named.get('register') === 'true',
    postgres: named.get('postgres') ?? null,
    redis: named.get('redis') ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    workers: list('workers', [1, 2]),
    clusterIntervalMs: list('interval', [20], 10)[0]!,
    warmup: int('warmup', 2000, 0),
    added: int('added', 2000, 1),
    repeat: int('repeat', 3),
    loads: int('loads', 10),
    out: resolve(named.get('out') ?? DEFAULT_RESULTS_DIR),
  };
  // `workers` spreads its clients over up to 4 processes and loopback addresses (P7 asks for 50,000).
  const maxSubscribers = command === 'workers' ? 50_000 : 10_000;
  if (flags.subscribers.some((k) => k > maxSubscribers)) throw new Error(`--subscribers: at most ${maxSubscribers} for ${command}`);
  if (flags.workers.some((n) => n > 16)) throw new Error('--workers: at most 16');
  if (flags.duration > 120) throw new Error('--duration: at most 120 s');
  if (flags.connections > 500) throw new Error('--connections: at most 500');
  if (flags.warmup + flags.added > 20_000) throw new Error('--warmup + --added: at most 20000 (one process, open-file limit)');
  if (flags.repeat > 20) throw new Error('--repeat: at most 20');
  if (flags.loads > 100) throw new Error('--loads: at most 100');
  if (flags.liveRatings > 1000) throw new Error('--live-ratings: at most 1000');
  return { command: command as Scenario | 'all', flags };
}

/** Runs one scenario and merges its section into the results files. */
async function run(name: Scenario, flags: Flags): Promise<void> {
  if (name === 'batch') {
    await benchBatch(flags);
  } else if (name === 'abuse') {
    const result = await benchAbuse(flags);
    saveResults(flags.out, (r) => {
      r.abuse = result;
    });
  } else if (name === 'memory') {
    const result = await benchMemory(flags);
    saveResults(flags.out, (r) => {
      r.memory = result;
    });
  } else if (name === 'screen') {
    const result = await benchScreen(flags);
    saveResults(flags.out, (r) => {
      r.screen = result;
    });
  } else if (name === 'bulletin') {
    await benchBulletin(flags);
  } else if (name === 'queries') {
    const result = await benchQueries(flags);
    saveResults(flags.out, (r) => {
      r.queries = { ...(r.queries ?? {}), [String(flags.ratings)]: result };
    });
  } else if (name === 'subscribers') {
    const result = await benchSubscribers(flags);
    saveResults(flags.out, (r) => {
      r.subscribers = result;
    });
  } else if (name === 'cross' || name === 'workers') {
    const postgres = flags.postgres ?? process.env.DATABASE_URL;
    if (!postgres) throw new Error(`${name}: needs PostgreSQL (--postgres URL or DATABASE_URL, an admin URL) and Redis`);
    const options: ClusterBenchOptions = { ...flags, postgres, intervalMs: flags.clusterIntervalMs };
    if (name === 'cross') {
      const result = await benchCross(options);
      saveResults(flags.out, (r) => {
        r.cross = result;
      });
    } else {
      const result = await benchWorkers(options);
      saveResults(flags.out, (r) => {
        r.workers = result;
      });
    }
  } else if (name === 'p1') {
    await run('ingest', { ...flags, postgres: null });
    const postgres = flags.postgres ?? process.env.DATABASE_URL ?? null;
    if (postgres) await run('ingest', { ...flags, postgres });
    else process.stderr.write('p1: no PostgreSQL (give --postgres URL or DATABASE_URL): SQLite only\n');
  } else {
    const result = await benchIngest(flags);
    saveResults(flags.out, (r) => {
      if (flags.postgres) r.ingestPostgres = result;
      else r.ingest = result;
    });
  }
}

async function main(): Promise<void> {
  const { command, flags } = parseFlags(process.argv.slice(2));
  for (const name of command === 'all' ? (['queries', 'subscribers', 'p1'] as const) : [command]) await run(name, flags);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
