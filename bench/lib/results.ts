/**
 * The results files: bench/results/latest.json (each run replaces only the sections it ran) and a
 * readable latest.md rendered from it. The types below are the JSON format.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AbusePhase, AbuserReport, LoadResult, MemorySample, VictimReport } from '../load/protocol.js';
import type { SeedInfo } from './database.js';
import type { Environment } from './machine.js';
import type { ProfileSummary } from './profile.js';
import type { Summary } from './stats.js';
import { say, shown } from './util.js';

// ---------------------------------------------------------------------------------------------
// Format
// ---------------------------------------------------------------------------------------------

export interface QueryCase {
  name: string;
  field: 'overview' | 'breakdown' | 'trend' | 'hotTags';
  filter: Record<string, unknown> | null;
  by?: 'REGION' | 'DEPARTMENT' | 'ITEM' | 'STAFF' | 'CHANNEL';
  granularity?: 'HOUR' | 'DAY' | 'MONTH';
  /** What the answer held (total, or number of rows), to show the query did real work. */
  result?: string;
  inProcess?: Summary;
  http?: Summary;
  /** P5's reference: about the same answer by GROUP BY over the raw rating rows (`raw` is the SQL). */
  raw?: Summary;
  rawSql?: string;
  rawResult?: string;
}

export interface QueriesResult {
  env: Environment;
  ratings: number;
  runs: number;
  seed: SeedInfo & { reused: boolean };
  targets: Record<string, string>;
  cases: QueryCase[];
}

export interface LiveRun {
  label: string;
  intervalMs: number | null;
  subscribers: number;
  ratings: number;
  everyMs: number;
  connectMs: number;
  frameBytes: number;
  /** From the mutation's response (bare: from the start of the broadcast) to each client's receipt. */
  latency: Summary;
  /** From sending the mutation (the rating's own write included) to each client's receipt. */
  fromRequest?: Summary;
  /** The mutation's own response time. */
  response?: Summary;
  missing: number;
  perRatingP99: Summary;
  /** With --profile: the server process during the ratings. */
  profile?: ProfileSummary;
}

export interface SubscribersResult {
  env: Environment;
  runs: LiveRun[];
}

/** Group commit during the rating run (from the committer's counters, read before and after). */
export interface Grouping {
  transactions: number;
  ratings: number;
  meanGroup: number;
  /** The committer's largest group since the server started: an upper bound for the rating run. */
  maxGroup: number;
  /** PostgreSQL: statements sent (one round trip each) per rating, warm-up included, and the commonest ones. */
  roundTripsPerRating?: number;
  commonStatements?: Array<{ sql: string; n: number; perRating: number }>;
  /** Mean time per transaction (only in results written before the committer's counters were used). */
  meanMs?: number;
}

export interface IngestResult {
  env: Environment;
  connections: number;
  durationS: number;
  services: number;
  registration: { count: number; ms: number; perSec: number };
  noop: LoadResult;
  /** The no-op again after the ratings; `ratio` is the ratings against the mean of both no-op runs. */
  noopAfter?: LoadResult;
  ratings: LoadResult;
  ratio: number;
  /** `registerService` over HTTP with the same connections (new cases, one service each). */
  register?: LoadResult;
  check: { ratingsStored: number; rollupTotal: number };
  /** Group commit as observed during the rating run: transactions and ratings per transaction. */
  grouping?: Grouping;
  /** CPU per request (warm-up included) of the server's process, the database's backends and the generator. */
  cpuPerRequest?: { noop: CpuPerRequest; rating: CpuPerRequest };
  profile?: ProfileSummary;
}

export interface CpuPerRequest {
  requests: number;
  serverUs: number;
  /** PostgreSQL backends of the run's database; null on SQLite (in the server's process). */
  postgresUs: number | null;
  /** The load generator's process; null when it does not report it. */
  generatorUs: number | null;
}

export interface CrossResult {
  env: Environment;
  intervalMs: number;
  /** Subscribers on B, ratings on A; then subscribers on A, ratings on A (the reference). */
  remote: LiveRun;
  local: LiveRun;
  /** remote − local, p99 of the time from sending the rating to the snapshot. */
  addedP99Ms: number;
}

export interface WorkersRun {
  workers: number;
  subscribers: number;
  clientProcesses: number;
  live: LiveRun;
  bare: LiveRun;
  ingest: LoadResult;
}

export interface WorkersResult {
  env: Environment;
  intervalMs: number;
  runs: WorkersRun[];
}

/** `abuse`: a victim's latency while an abusive client misbehaves, phase by phase. */
export interface AbuseResult {
  env: Environment;
  everyMs: number;
  durationS: number;
  phases: Array<{ phase: AbusePhase; victim: VictimReport; abuser: AbuserReport }>;
}

/** `memory` (P4): one measurement of one server, W warm-up subscribers then K more. */
export interface MemoryRun {
  server: 'graphql' | 'bare';
  repetition: number;
  /** After the warm-up subscribers, and after the added ones (medians of 3 samples, each after full GCs). */
  before: MemorySample;
  after: MemorySample;
  /** (after − before) ÷ K, bytes. */
  perSubscriber: { rss: number; heapUsed: number; external: number };
}

export interface MemoryResult {
  env: Environment;
  warmup: number;
  added: number;
  repeat: number;
  targetRatio: number;
  runs: MemoryRun[];
  /** Medians over the repetitions, KiB per added subscriber. */
  median: Record<'graphql' | 'bare', { rssKiB: number; heapUsedKiB: number; externalKiB: number }>;
  /** The server's median ÷ the bare server's. */
  ratio: { rss: number; heapUsed: number };
  withinTarget: { rss: boolean; heapUsed: boolean };
  /** Repetitions that did not complete (e.g. a client timeout on a loaded machine). */
  failures?: string[];
}

/** `screen` (P8): one page's downloads in a cold browser context. */
export interface PageWeight {
  name: string;
  path: string;
  /** Responses of type script: count, bytes as sent (after any content-encoding), decoded, and gzipped here (zlib default level). */
  scripts: number;
  jsSentBytes: number;
  jsBytes: number;
  jsGzipBytes: number;
  /** Whether the server sent the scripts gzip-compressed (content-encoding). */
  serverCompresses: boolean;
  cssGzipBytes: number;
  fonts: Array<{ file: string; bytes: number }>;
  /** The texts the page shows (innerText of its body and frames), distinct characters outside ASCII. */
  shownCharacters: number;
  scriptFiles: string[];
  withinBudget: boolean;
}

export interface ScreenResult {
  env: Environment;
  loads: number;
  viewport: string;
  /** Navigation start → the total counter shows the server's number (rendered, next animation frame). */
  firstFigures: Summary;
  /** Navigation start → the page's own `hcp:first-figures` mark (the first snapshot arrived). */
  firstSnapshotMark: Summary;
  /** Navigation start → load event. */
  loadEvent: Summary;
  /** The totals the counter showed first, and the rating rows stored (every kind: not the screen's scope or definition). */
  shownTotals: number[];
  serverTotal: number;
  targetMs: number;
  budgetGzipKiB: number;
  pages: PageWeight[];
  note?: string;
}

export interface Results {
  updatedAt?: string;
  queries?: Record<string, QueriesResult>;
  subscribers?: SubscribersResult;
  ingest?: IngestResult;
  /** The same run on PostgreSQL (`ingest --postgres URL`). */
  ingestPostgres?: IngestResult;
  /** P6: two servers on one PostgreSQL database and Redis (`cross`). */
  cross?: CrossResult;
  /** P7: WORKERS=N on one machine (`workers`). */
  workers?: WorkersResult;
  abuse?: AbuseResult;
  /** P4: memory per added idle subscriber (`memory`). */
  memory?: MemoryResult;
  /** P8: big screen first figures and widget weight (`screen`). */
  screen?: ScreenResult;
}

// ---------------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------------

/** Reads `out`/latest.json, lets `update` change it, writes it back with latest.md next to it. */
export function saveResults(out: string, update: (r: Results) => void): void {
  mkdirSync(out, { recursive: true });
  const jsonFile = join(out, 'latest.json');
  let results: Results = {};
  if (existsSync(jsonFile)) {
    try {
      results = JSON.parse(readFileSync(jsonFile, 'utf8')) as Results;
    } catch {
      /* start over */
    }
  }
  update(results);
  results.updatedAt = new Date().toISOString();
  writeFileSync(jsonFile, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(join(out, 'latest.md'), renderMarkdown(results));
  // The day's own file: only the sections run that day (latest.json keeps older ones beside them).
  const dayFile = join(out, `${results.updatedAt.slice(0, 10)}.json`);
  let day: Results = {};
  if (existsSync(dayFile)) {
    try {
      day = JSON.parse(readFileSync(dayFile, 'utf8')) as Results;
    } catch {
      /* start over */
    }
  }
  update(day);
  day.updatedAt = results.updatedAt;
  writeFileSync(dayFile, `${JSON.stringify(day, null, 2)}\n`);
  say(`\nwrote ${shown(jsonFile)}, ${shown(dayFile)} and ${shown(join(out, 'latest.md'))}`);
}

const ms = (v: number) => (Number.isFinite(v) ? (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2)) : '–');
const int = (v: number) => Math.round(v).toLocaleString('en');
const envLine = (e: Environment) =>
  `${e.at.slice(0, 16).replace('T', ' ')} UTC · Node ${e.node} · ${e.cores} × ${e.cpu} · ${e.memoryGiB} GiB · commit ${e.commit}${e.dirty ? ' (+ uncommitted changes)' : ''} · load average ${e.loadBefore.join(' / ')} before, ${(e.loadAfter ?? []).join(' / ')} after`;

export function renderMarkdown(r: Results): string {
  const out: string[] = [
    '# Benchmark results (`npm run bench`)',
    '',
    `Generated by \`bench/run.ts\`; raw figures in \`latest.json\`. Last update ${r.updatedAt?.slice(0, 16).replace('T', ' ')} UTC.`,
    'Every figure was measured on this 2-core machine with the load generator or the clients on the same box (loopback);',
    'other work on the machine shows in the load averages given with each section.',
    '',
  ];
  for (const q of Object.values(r.queries ?? {}).sort((a, b) => a.ratings - b.ratings)) renderQueries(out, q);
  if (r.subscribers) renderSubscribers(out, r.subscribers);
  for (const [title, g] of [
    ['SQLite', r.ingest],
    ['PostgreSQL', r.ingestPostgres],
  ] as const)
    if (g) renderIngest(out, title, g);
  if (r.cross) renderCross(out, r.cross);
  if (r.workers) renderWorkers(out, r.workers);
  if (r.abuse) renderAbuse(out, r.abuse);
  if (r.memory) renderMemory(out, r.memory);
  if (r.screen) renderScreen(out, r.screen);
  return `${out.join('\n')}\n`;
}

function renderQueries(out: string[], q: QueriesResult): void {
  out.push(`## Queries over ${int(q.ratings)} ratings`, '', envLine(q.env), '');
  const s = q.seed;
  out.push(
    `Seeded ${int(s.ratings)} demo ratings over ${s.days} days into SQLite (\`seedDemo\`): ${(s.ms / 1000).toFixed(1)} s (${int(s.ratingsPerSec)} ratings/s)${s.reused ? ', reused from an earlier run' : ''}` +
      `${s.rowsMs ? `, of which ${(s.rowsMs / 1000).toFixed(1)} s until the last rating row was written (${int(s.ratings / (s.rowsMs / 1000))}/s) and the rest for the rollup counters and the demo rectification history` : ''}; ` +
      `${int(s.fileMiB)} MiB, ${int(s.rollupCountRows)} rollup_count and ${int(s.rollupTagRows)} rollup_tag rows.`,
    '',
  );
  out.push(
    `${q.runs} runs per case after 5 warm-up runs, one at a time; in-process = the service function with an admin actor, HTTP = POST /graphql with an admin session (client in the same process). Milliseconds.`,
    '',
  );
  out.push(
    "Raw = P5's reference: about the same answer by one GROUP BY over the raw rating rows (valid first ratings joined to their service, case and department; " +
      "attributed by the service's own department, item and staff, hot tags grouped by the stored tag list), timed the same way in the same process.",
    '',
  );
  out.push(
    '| query | answer | in-process median | in-process p95 | in-process p99 | HTTP median | HTTP p95 | raw GROUP BY median | raw p99 |',
    '|---|---|---:|---:|---:|---:|---:|---:|---:|',
  );
  const opt = (v: number | undefined) => (v === undefined ? '–' : ms(v));
  for (const c of q.cases)
    out.push(
      `| ${c.name} | ${c.result} | ${ms(c.inProcess!.p50)} | ${ms(c.inProcess!.p95)} | ${ms(c.inProcess!.p99)} | ${opt(c.http?.p50)} | ${opt(c.http?.p95)} | ${opt(c.raw?.p50)} | ${opt(c.raw?.p99)} |`,
    );
  out.push('');
}

function renderSubscribers(out: string[], s: SubscribersResult): void {
  out.push('## Live updates to subscribers', '', envLine(s.env), '');
  out.push(
    'One identical `overviewChanged` subscription (schema/operations/screen-overview.graphql, city filter) per client, all clients in one child process. ' +
      'Ratings come from another child process over HTTP (`submitEvaluation`, system API key), one every N ms. ' +
      '"after response" = from the moment the rating client got the mutation\'s response to a subscriber receiving the first snapshot whose total includes the rating ' +
      '(negative when the push arrives before the response); "after request" = from sending the mutation, the write included; ' +
      'bare = from the start of the broadcast loop. Coalescing adds up to LIVE_INTERVAL_MS by design. Milliseconds.',
    '',
  );
  out.push(
    '| subscribers | server | ratings × every | bytes/msg | after response p50 | p99 | max | after request p50 | p99 | mutation p50 | deliveries | missing |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const run of s.runs) {
    out.push(
      `| ${int(run.subscribers)} | ${run.label} | ${run.ratings} × ${run.everyMs} ms | ${int(run.frameBytes)} | ${ms(run.latency.p50)} | ${ms(run.latency.p99)} | ${ms(run.latency.max)} | ` +
        `${run.fromRequest ? ms(run.fromRequest.p50) : '–'} | ${run.fromRequest ? ms(run.fromRequest.p99) : '–'} | ${run.response ? ms(run.response.p50) : '–'} | ${int(run.latency.n)} | ${run.missing} |`,
    );
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
        const top = run.profile
          .inclusive!.filter((f) => !/^(processTicksAndRejections|runMicrotasks|listOnTimeout|processTimers|\(program\))/.test(f.fn))
          .slice(0, 8);
        out.push(
          `- CPU profile of the server, ${int(subs)} subscribers at ${run.intervalMs} ms (\`${run.profile.file}\`), largest inclusive: ${top.map((f) => `\`${f.fn.split(' ')[0]}\` ${f.share}%`).join(', ')}.`,
        );
      }
      out.push(
        `- ${int(subs)} subscribers, interval ${run.intervalMs} ms: after the response p99 ${ms(run.latency.p99)} ms` +
          `${req ? `, after the request p99 ${ms(req.p99)} ms` : ''}, against ${ms(bare.latency.p99)} ms for the bare broadcast` +
          `${req ? ` (${(req.p99 / bare.latency.p99).toFixed(2)}× counted from the request)` : ''}.`,
      );
    }
  }
  out.push('');
}

function renderIngest(out: string[], title: string, g: IngestResult): void {
  out.push(`## Ingest (${title})`, '', envLine(g.env), '');
  out.push(
    `${g.connections} keep-alive connections for ${g.durationS} s after 1 s of warm-up, from a child process; system API key; ` +
      `${int(g.services)} completed services prepared beforehand (${g.registration.count} registered through \`registerService\` in-process at ${int(g.registration.perSec)}/s, copied in SQL to the rest), each rated once (level 5, selection \`{ id }\`).`,
    '',
  );
  out.push('| operation | requests/s | p50 ms | p99 ms | failed |', '|---|---:|---:|---:|---:|');
  out.push(`| no-op query \`{ me { role } }\` | ${int(g.noop.perSec)} | ${ms(g.noop.latency.p50)} | ${ms(g.noop.latency.p99)} | ${g.noop.failed} |`);
  if (g.noopAfter) {
    out.push(
      `| no-op again, after the ratings | ${int(g.noopAfter.perSec)} | ${ms(g.noopAfter.latency.p50)} | ${ms(g.noopAfter.latency.p99)} | ${g.noopAfter.failed} |`,
    );
  }
  if (g.register)
    out.push(
      `| \`registerService\` (new case) | ${int(g.register.perSec)} | ${ms(g.register.latency.p50)} | ${ms(g.register.latency.p99)} | ${g.register.failed} |`,
    );
  out.push(
    `| \`submitEvaluation\` | ${int(g.ratings.perSec)} | ${ms(g.ratings.latency.p50)} | ${ms(g.ratings.latency.p99)} | ${g.ratings.failed}${g.ratings.exhausted ? ' (ran out of services)' : ''} |`,
  );
  out.push(
    '',
    `Ratings reach **${(g.ratio * 100).toFixed(0)}%** of the no-op rate (goal in stack.md: ≥ 5,000/s and ≥ 60%). Stored ratings during the run: ${int(g.check.ratingsStored)}; all-time rollup total: ${int(g.check.rollupTotal)}.`,
  );
  if (g.ratings.firstError) out.push('', `First failure: \`${g.ratings.firstError.replace(/`/g, "'").slice(0, 200)}\``);
  if (g.grouping) {
    out.push(
      '',
      `Group commit during the rating run: ${int(g.grouping.transactions)} transactions for ${int(g.grouping.ratings)} ratings ` +
        `(mean ${g.grouping.meanGroup} and at most ${g.grouping.maxGroup} ratings per transaction${g.grouping.meanMs !== undefined ? `, ${ms(g.grouping.meanMs)} ms per transaction` : ''}).`,
    );
    if (g.grouping.roundTripsPerRating !== undefined) {
      out.push('', `PostgreSQL round trips per rating: **${g.grouping.roundTripsPerRating}**; the commonest statements, per rating:`, '');
      for (const s of g.grouping.commonStatements ?? []) out.push(`- ${s.perRating.toFixed(2)} \`${s.sql.replace(/`/g, "'")}\``);
    }
  }
  if (g.cpuPerRequest) {
    const { noop, rating } = g.cpuPerRequest;
    const row = (name: string, c: CpuPerRequest) => `| ${name} | ${int(c.requests)} | ${c.serverUs} | ${c.postgresUs ?? '–'} | ${c.generatorUs ?? '–'} |`;
    out.push(
      '',
      'CPU per request, warm-up included (µs; the server, the database and the generator share the machine):',
      '',
      '| run | requests | server | PostgreSQL backends | load generator |',
      '|---|---:|---:|---:|---:|',
      row('no-op', noop),
      row('submitEvaluation', rating),
    );
  }
  if (g.profile) {
    out.push(
      '',
      `CPU profile of the server during the rating run: \`${g.profile.file}\` (not committed). Largest self times:`,
      '',
      '| function | self ms | share |',
      '|---|---:|---:|',
    );
    for (const f of g.profile.top) out.push(`| \`${f.fn}\` | ${int(f.selfMs)} | ${f.share}% |`);
    if (g.profile.inclusive) {
      out.push('', 'Largest inclusive times (the function and what it called):', '', '| function | ms | share |', '|---|---:|---:|');
      for (const f of g.profile.inclusive) out.push(`| \`${f.fn}\` | ${int(f.selfMs)} | ${f.share}% |`);
    }
  }
  out.push('');
}

function renderCross(out: string[], c: CrossResult): void {
  out.push('## P6: a rating on server A, a subscriber on server B (PostgreSQL + Redis)', '', envLine(c.env), '');
  out.push(
    `Two server processes (\`server/src/main.ts\`, one worker each) on one throwaway PostgreSQL database and one Redis, LIVE_INTERVAL_MS ${c.intervalMs}. ` +
      'Paced ratings go to A; the subscribers (one child process) are on B, then on A. "after request" = from sending the rating to the first snapshot including it. Milliseconds.',
    '',
    '| subscribers | where | ratings × every | after request p50 | p99 | max | mutation p50 | deliveries | missing |',
    '|---:|---|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const run of [c.remote, c.local]) {
    const req = run.fromRequest!;
    out.push(
      `| ${int(run.subscribers)} | ${run.label} | ${run.ratings} × ${run.everyMs} ms | ${ms(req.p50)} | ${ms(req.p99)} | ${ms(req.max)} | ${run.response ? ms(run.response.p50) : '–'} | ${int(run.latency.n)} | ${run.missing} |`,
    );
  }
  out.push('', `Added at p99 by the hop through Redis to the other server: **${ms(c.addedP99Ms)} ms** (goal: ≤ 5 ms).`, '');
}

function renderWorkers(out: string[], w: WorkersResult): void {
  out.push('## P7: several processes on one machine (WORKERS=N, PostgreSQL + Redis)', '', envLine(w.env), '');
  out.push(
    `\`WORKERS=N\` (node:cluster, one port) on one throwaway PostgreSQL database and Redis, LIVE_INTERVAL_MS ${w.intervalMs}. The subscribers are spread over several client ` +
      "processes (each from its own loopback address); the primary hands their connections to the workers in turn. Fan-out = from the rating's response to each " +
      "subscriber's snapshot (bare: from the start of the broadcast, one process sending the same bytes to the same clients). Ingest = `submitEvaluation` with autocannon. Milliseconds.",
    '',
    '| WORKERS | subscribers | client processes | fan-out p50 | p99 | bare p50 | bare p99 | p99 ÷ bare | after request p99 | missing | ingest ratings/s | ingest p99 | failed |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  );
  for (const run of w.runs) {
    out.push(
      `| ${run.workers} | ${int(run.subscribers)} | ${run.clientProcesses} | ${ms(run.live.latency.p50)} | ${ms(run.live.latency.p99)} | ${ms(run.bare.latency.p50)} | ${ms(run.bare.latency.p99)} | ` +
        `${(run.live.latency.p99 / run.bare.latency.p99).toFixed(2)} | ${run.live.fromRequest ? ms(run.live.fromRequest.p99) : '–'} | ${run.live.missing} | ${int(run.ingest.perSec)} | ${ms(run.ingest.latency.p99)} | ${run.ingest.failed} |`,
    );
  }
  out.push('');
}

function renderAbuse(out: string[], a: AbuseResult): void {
  out.push('## Responsiveness under abuse', '', envLine(a.env), '');
  out.push(
    `A victim asks \`GET /healthz\` and \`{ me { role } }\` every ${a.everyMs} ms for ${a.durationS} s per phase while one abusive client (one address) is idle, ` +
      'opens graphql-ws connections with 60 subscriptions of distinct arguments each as fast as allowed (ws), sends alias and fragment bombs and 6 MB bodies (bombs), ' +
      'or floods anonymous ratings (flood). Longest gap = the longest time without any answer to the victim. Milliseconds; measured, not asserted.',
    '',
  );
  out.push('| phase | victim p50 | p99 | max | longest gap | answered | abuser attempts | what the abuser got |', '|---|---:|---:|---:|---:|---:|---:|---|');
  for (const p of a.phases) {
    const got = Object.entries(p.abuser.outcomes)
      .sort((x, y) => y[1] - x[1])
      .map(([k, n]) => `${k}: ${int(n)}`)
      .join(', ');
    out.push(
      `| ${p.phase} | ${ms(p.victim.latency.p50)} | ${ms(p.victim.latency.p99)} | ${ms(p.victim.latency.max)} | ${int(p.victim.longestGapMs)} | ${p.victim.answered}/${p.victim.sent} | ${int(p.abuser.attempts)} | ${got || '–'} |`,
    );
  }
  out.push('');
}

function renderMemory(out: string[], m: MemoryResult): void {
  out.push('## P4: memory per added idle subscriber', '', envLine(m.env), '');
  out.push(
    `The real server (\`server/src/main.ts\`, spawned, SQLite, demo city) and a bare \`ws\` server answering the same graphql-transport-ws handshake ` +
      `(connection_init → connection_ack, subscribe → the same \`next\` frame), each in its own process with --expose-gc; ${int(m.warmup)} warm-up idle subscribers ` +
      `(two client processes, 127.0.0.2 and .3), a sample, ${int(m.added)} more, a sample; each sample = median of 3, each after full GCs (asked over IPC). ` +
      `KiB per added subscriber = (after − before) ÷ ${int(m.added)}; fresh processes for each of ${m.repeat} repetitions.`,
    '',
    '| repetition | server | RSS KiB | heap used KiB | external KiB | RSS before → after MiB |',
    '|---:|---|---:|---:|---:|---|',
  );
  const kib = (v: number) => (v / 1024).toFixed(2);
  const mib = (v: number) => (v / 2 ** 20).toFixed(1);
  for (const run of m.runs)
    out.push(
      `| ${run.repetition} | ${run.server === 'graphql' ? 'server' : 'bare ws'} | ${kib(run.perSubscriber.rss)} | ${kib(run.perSubscriber.heapUsed)} | ${kib(run.perSubscriber.external)} | ${mib(run.before.rss)} → ${mib(run.after.rss)} |`,
    );
  out.push(
    '',
    `Medians: server RSS ${m.median.graphql.rssKiB} KiB, heap ${m.median.graphql.heapUsedKiB} KiB; bare RSS ${m.median.bare.rssKiB} KiB, heap ${m.median.bare.heapUsedKiB} KiB. ` +
      `Ratio **${m.ratio.rss}× (RSS)**, ${m.ratio.heapUsed}× (heap): goal ≤ ${m.targetRatio}× — ${m.withinTarget.rss ? 'met' : 'not met'} on RSS, ${m.withinTarget.heapUsed ? 'met' : 'not met'} on the heap.`,
    '',
  );
  if (m.failures?.length) out.push(`Not completed: ${m.failures.join('; ')}.`, '');
}

function renderScreen(out: string[], s: ScreenResult): void {
  out.push('## P8: big screen first figures, widget weight', '', envLine(s.env), '');
  out.push(
    `Debian's Chromium (headless, playwright-core), a new browser context (empty cache) per load, ${s.viewport}, the server spawned on a demo-seeded SQLite database serving the built dashboard. ` +
      '"first figures" = navigation start → the total counter first holds a number (its data-value, checked at the next animation frame); "snapshot" = the page\'s own `hcp:first-figures` mark. Milliseconds.',
    '',
    '| loads | first figures p50 | p95 | max | snapshot mark p50 | p95 | load event p50 | goal |',
    '|---:|---:|---:|---:|---:|---:|---:|---|',
    `| ${s.loads} | ${ms(s.firstFigures.p50)} | ${ms(s.firstFigures.p95)} | ${ms(s.firstFigures.max)} | ${ms(s.firstSnapshotMark.p50)} | ${ms(s.firstSnapshotMark.p95)} | ${ms(s.loadEvent.p50)} | ≤ ${s.targetMs} ms: ${s.firstFigures.p95 <= s.targetMs ? 'met' : 'not met'} at p95 |`,
    '',
    `Totals shown first: ${[...new Set(s.shownTotals)].join(', ')} (ratings stored in the database, every kind: ${s.serverTotal}).`,
    '',
    `Page weight (JS = every response of type script, gzipped here at the default level; budget ${s.budgetGzipKiB} KiB of gzipped JS):`,
    '',
    '| page | scripts | JS KiB | JS gzipped KiB | sent KiB | server gzips | CSS gzipped KiB | fonts | within budget |',
    '|---|---:|---:|---:|---:|---|---:|---|---|',
  );
  const k = (v: number) => (v / 1024).toFixed(1);
  for (const p of s.pages)
    out.push(
      `| ${p.name} (\`${p.path}\`) | ${p.scripts} | ${k(p.jsBytes)} | ${k(p.jsGzipBytes)} | ${k(p.jsSentBytes)} | ${p.serverCompresses ? 'yes' : 'no'} | ${k(p.cssGzipBytes)} | ${p.fonts.length ? p.fonts.map((f) => `${f.file} (${k(f.bytes)} KiB)`).join(', ') : 'none'} | ${p.withinBudget ? 'yes' : 'no'} |`,
    );
  if (s.note) out.push('', s.note);
  out.push('');
}
