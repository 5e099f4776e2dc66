/**
 * Scenario `batch`: a department system sends ratings with `submitEvaluations` (GraphQL over HTTP,
 * system API key, one call after another, as a system empties its queue), in batches of 100 and of
 * 1,000, on pre-registered completed services each rated once; every rating carries an externalId.
 * Beside it, raw inserts of the very rows it stored into a scratch table of the rating table's shape
 * (same columns, primary key, no secondary index), the same number of rows per transaction, as
 * multi-row prepared inserts: better-sqlite3 directly on SQLite (synchronous=FULL, as the server),
 * one pg multi-row insert per batch on PostgreSQL. SQLite, or a throwaway PostgreSQL database with
 * `postgres`. Figures go to bench/results/batch.json and batch.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { seededDatabase, seededPostgres } from '../lib/database.js';
import { environment, finishEnvironment, type Environment } from '../lib/machine.js';
import { actorFromCredentials, DEMO_CREDENTIALS, freshEm, groupCommitStats, startBenchServer } from '../lib/server.js';
import { cloneServices, registerServices } from '../lib/services.js';
import { say, shown } from '../lib/util.js';

export interface BatchOptions {
  /** Admin URL of a PostgreSQL server: run on a throwaway database there instead of SQLite. */
  postgres: string | null;
  /** Ratings sent per batch size (rounded up to whole batches). */
  batchRatings: number;
  out: string;
}

export interface BatchRun {
  batchSize: number;
  batches: number;
  ratings: number;
  /** submitEvaluations, from the first request to the last answer. */
  ms: number;
  perSec: number;
  /** Slowest call (one batch) in ms. */
  maxCallMs: number;
  created: number;
  refused: number;
  /** Group-commit transactions the batches took. */
  transactions: number;
  /** The same rows inserted raw into a scratch table, batchSize rows per transaction. */
  raw: { ms: number; perSec: number };
  /** submitEvaluations throughput as a share of raw inserts. */
  ratio: number;
}

export interface BatchResult {
  env: Environment;
  dialect: 'sqlite' | 'postgresql';
  runs: BatchRun[];
}

const SIZES = [100, 1000] as const;
const MUTATION = 'mutation ($inputs: [EvaluationRecordInput!]!) { submitEvaluations(inputs: $inputs) { index status code } }';

export async function benchBatch(options: BatchOptions): Promise<BatchResult> {
  const env = environment();
  const dialect = options.postgres ? 'postgresql' : 'sqlite';
  const perSize = SIZES.map((size) => Math.ceil(options.batchRatings / size) * size);
  const total = perSize.reduce((a, b) => a + b, 0);
  say(`\n== batch: submitEvaluations in batches of ${SIZES.join(' and ')}, ${dialect}; ${total.toLocaleString('en')} services`);
  const db = options.postgres ? await seededPostgres(options.postgres, 2000) : { ...(await seededDatabase(2000, true)), databaseUrl: undefined };
  const server = await startBenchServer(db.file, db.dataDir, { maxBodyBytes: 4 * 1024 * 1024 }, db.databaseUrl);
  const runs: Array<Omit<BatchRun, 'raw' | 'ratio'> & { firstId: number; lastId: number }> = [];
  try {
    const app = server.app;
    const system = await actorFromCredentials(app, undefined, DEMO_CREDENTIALS.systemKey);
    const prefix = `BAT${Date.now().toString(36).toUpperCase()}`;
    const [sample] = await registerServices(app, system, 1, `${prefix}R`);
    await cloneServices(app, sample!.projectNo, prefix, total);
    const em = freshEm(app);
    const maxId = async () => Number((await em.execute<Array<{ n: number }>>('select coalesce(max(id), 0) as n from rating'))[0]!.n);
    let next = 0;
    for (const [i, size] of SIZES.entries()) {
      const batches = perSize[i]! / size;
      const bodies = Array.from({ length: batches }, () =>
        JSON.stringify({
          query: MUTATION,
          variables: {
            inputs: Array.from({ length: size }, () => {
              const n = next++;
              const projectNo = `${prefix}${String(n).padStart(7, '0')}`;
              // One in twenty a bad review (opens a rectification case), as a hall's day has them.
              const bad = n % 20 === 0;
              return {
                projectNo,
                serviceNumber: 1,
                level: bad ? 2 : 5 - (n % 3),
                comment: bad ? '等候时间太长' : undefined,
                channel: 'IMPORT',
                externalId: `X${n}`,
              };
            }),
          },
        }),
      );
      const firstId = (await maxId()) + 1;
      const groups = groupCommitStats(app).groups;
      let created = 0;
      let refused = 0;
      let maxCallMs = 0;
      const started = performance.now();
      for (const body of bodies) {
        const callStart = performance.now();
        const res = await fetch(`${server.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': DEMO_CREDENTIALS.systemKey },
          body,
        });
        const json = (await res.json()) as { data?: { submitEvaluations: Array<{ status: string; code: string | null }> }; errors?: unknown };
        maxCallMs = Math.max(maxCallMs, performance.now() - callStart);
        if (!json.data) throw new Error(`submitEvaluations failed: ${JSON.stringify(json.errors)}`);
        for (const r of json.data.submitEvaluations) {
          if (r.status === 'CREATED') created++;
          else refused++;
        }
      }
      const ms = performance.now() - started;
      const ratings = batches * size;
      runs.push({
        batchSize: size,
        batches,
        ratings,
        ms: Math.round(ms),
        perSec: Math.round(ratings / (ms / 1000)),
        maxCallMs: Math.round(maxCallMs),
        created,
        refused,
        transactions: groupCommitStats(app).groups - groups,
        firstId,
        lastId: await maxId(),
      });
      say(
        `  batches of ${size}: ${ratings.toLocaleString('en')} ratings in ${(ms / 1000).toFixed(1)} s = ${Math.round(ratings / (ms / 1000)).toLocaleString('en')}/s (${created} created, ${refused} refused, ${runs.at(-1)!.transactions} transactions)`,
      );
    }
  } finally {
    await server.close();
  }
  try {
    const withRaw: BatchRun[] = [];
    for (const run of runs) {
      const raw = options.postgres ? await rawPostgres(db.databaseUrl!, run) : rawSqlite(db.file, run);
      say(`  raw inserts of the same rows, ${run.batchSize} per transaction: ${raw.perSec.toLocaleString('en')}/s`);
      const { firstId: _f, lastId: _l, ...rest } = run;
      withRaw.push({ ...rest, raw, ratio: Math.round((run.perSec / raw.perSec) * 1000) / 1000 });
    }
    const result: BatchResult = { env: finishEnvironment(env), dialect, runs: withRaw };
    save(options.out, result);
    return result;
  } finally {
    await db.cleanup();
  }
}

/** The stored rows, without their ids, to insert again. */
type Row = Record<string, unknown>;

function rawSqlite(file: string, run: { batchSize: number; firstId: number; lastId: number }): { ms: number; perSec: number } {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    const ddl = (db.prepare(`select sql from sqlite_master where type = 'table' and name = 'rating'`).get() as { sql: string }).sql;
    db.exec('drop table if exists rating_scratch');
    db.exec(ddl.replace(/create table [`"]?rating[`"]?/i, 'create table rating_scratch'));
    const rows = db.prepare('select * from rating where id between ? and ? order by id').all(run.firstId, run.lastId) as Row[];
    const columns = Object.keys(rows[0]!).filter((c) => c !== 'id');
    const statement = (n: number) =>
      db.prepare(
        `insert into rating_scratch (${columns.join(', ')}) values ${Array.from({ length: n }, () => `(${columns.map(() => '?').join(', ')})`).join(', ')}`,
      );
    const full = statement(run.batchSize);
    const started = performance.now();
    for (let i = 0; i < rows.length; i += run.batchSize) {
      const chunk = rows.slice(i, i + run.batchSize);
      const insert = chunk.length === run.batchSize ? full : statement(chunk.length);
      db.transaction(() => insert.run(chunk.flatMap((r) => columns.map((c) => r[c]))))();
    }
    const ms = performance.now() - started;
    db.exec('drop table rating_scratch');
    return { ms: Math.round(ms), perSec: Math.round(rows.length / (ms / 1000)) };
  } finally {
    db.close();
  }
}

async function rawPostgres(url: string, run: { batchSize: number; firstId: number; lastId: number }): Promise<{ ms: number; perSec: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('drop table if exists rating_scratch');
    await client.query('create table rating_scratch (like rating including defaults including identity)');
    await client.query('alter table rating_scratch add primary key (id)');
    const rows = (await client.query<Row>('select * from rating where id between $1 and $2 order by id', [run.firstId, run.lastId])).rows;
    const columns = Object.keys(rows[0]!).filter((c) => c !== 'id');
    const text = (n: number) =>
      `insert into rating_scratch (${columns.join(', ')}) values ${Array.from({ length: n }, (_, r) => `(${columns.map((_c, k) => `$${r * columns.length + k + 1}`).join(', ')})`).join(', ')}`;
    const started = performance.now();
    for (let i = 0; i < rows.length; i += run.batchSize) {
      const chunk = rows.slice(i, i + run.batchSize);
      // One statement: its own transaction, committed (and synced) before the next, as each batch's group commits.
      await client.query({ name: `scratch${chunk.length}`, text: text(chunk.length), values: chunk.flatMap((r) => columns.map((c) => r[c])) });
    }
    const ms = performance.now() - started;
    await client.query('drop table rating_scratch');
    return { ms: Math.round(ms), perSec: Math.round(rows.length / (ms / 1000)) };
  } finally {
    await client.end();
  }
}

/** bench/results/batch.json (one section per database) and batch.md. */
function save(out: string, result: BatchResult): void {
  mkdirSync(out, { recursive: true });
  const jsonFile = join(out, 'batch.json');
  let all: Partial<Record<'sqlite' | 'postgresql', BatchResult>> = {};
  if (existsSync(jsonFile)) {
    try {
      all = JSON.parse(readFileSync(jsonFile, 'utf8')) as typeof all;
    } catch {
      /* start over */
    }
  }
  all[result.dialect] = result;
  writeFileSync(jsonFile, `${JSON.stringify(all, null, 2)}\n`);
  const lines = [
    '# Batch ingest: `submitEvaluations` beside raw inserts (`npm run bench -- batch [--postgres URL]`)',
    '',
    'One department system sends batches one after another (GraphQL over HTTP, system key, every rating with an externalId,',
    'one in twenty a bad review that opens a rectification case). "raw" inserts the very rows it stored into a scratch',
    "table of the rating table's columns (primary key, no secondary index), the same number of rows per transaction.",
    '',
  ];
  for (const r of [all.sqlite, all.postgresql]) {
    if (!r) continue;
    const e = r.env;
    lines.push(`## ${r.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}`, '');
    lines.push(
      `${e.at.slice(0, 16).replace('T', ' ')} UTC · Node ${e.node} · ${e.cores} × ${e.cpu} · commit ${e.commit}${e.dirty ? ' (+ uncommitted changes)' : ''} · load ${e.loadBefore.join(' / ')}`,
      '',
    );
    lines.push(
      '| batch size | ratings | submitEvaluations ratings/s | slowest call | group transactions | raw inserts rows/s | share of raw |',
      '|---|---|---|---|---|---|---|',
    );
    for (const run of r.runs) {
      lines.push(
        `| ${run.batchSize} | ${run.ratings.toLocaleString('en')} (${run.created.toLocaleString('en')} created, ${run.refused} refused) | ${run.perSec.toLocaleString('en')} | ${run.maxCallMs} ms | ${run.transactions} | ${run.raw.perSec.toLocaleString('en')} | ${(run.ratio * 100).toFixed(1)}% |`,
      );
    }
    lines.push('');
  }
  writeFileSync(join(out, 'batch.md'), lines.join('\n'));
  say(`\nwrote ${shown(jsonFile)} and ${shown(join(out, 'batch.md'))}`);
}
