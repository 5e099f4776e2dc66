/**
 * Scenario `queries`: seed a SQLite database with `ratings` ratings and time every figure (overview,
 * breakdown by every dimension, trend, hot tags) in-process (admin actor), overview and breakdown also
 * over HTTP, `runs` times each after warm-up; and, as P5's reference, about the same answer by one
 * GROUP BY over the raw rating rows.
 */
import { seededDatabase } from '../lib/database.js';
import { environment, finishEnvironment } from '../lib/machine.js';
import type { QueriesResult, QueryCase } from '../lib/results.js';
import { breakdown, DEMO_CREDENTIALS, freshEm, hotTags, overview, startBenchServer, trend, type Actor } from '../lib/server.js';
import { summarize } from '../lib/stats.js';
import { say } from '../lib/util.js';

export interface QueriesOptions {
  /** Ratings to seed (>= 1,000,000: kept in bench/.data/ and reused). */
  ratings: number;
  /** Timed runs per case and path. */
  runs: number;
  /** Seed a kept database again. */
  fresh: boolean;
  /** Skip P5's raw GROUP BY reference (about 45 s per figure at 10 M): for iterating on the figures only. */
  noRaw?: boolean;
}

const OVERVIEW_QUERY = `query ($f: StatsFilter) { overview(filter: $f) {
  scope total good bad active defaulted goodRate badRate activeGoodRate unratedRate suppressed
  byLevel { level name count } byChannel { channel name total good bad goodRate } seq asOf } }`;
const BREAKDOWN_QUERY = `query ($f: StatsFilter, $by: BreakdownBy!) { breakdown(filter: $f, by: $by) {
  scope by rows { key name code regionLevel total good bad goodRate badRate activeGoodRate unratedRate suppressed } seq asOf } }`;

export async function benchQueries(options: QueriesOptions): Promise<QueriesResult> {
  const env = environment();
  say(`\n== queries: ${options.ratings.toLocaleString('en')} ratings, ${options.runs} runs per case`);
  const db = await seededDatabase(options.ratings, options.fresh);
  // The raw GROUP BY reads every rating row: about 45 s at 10 M on this machine, so at millions it runs once, cold.
  const huge = options.ratings >= 1_000_000;
  const server = await startBenchServer(db.file, db.dataDir);
  try {
    const app = server.app;
    const em = freshEm(app);
    const one = async <T>(sql: string) => (await em.execute<T[]>(sql))[0]!;
    const city = await one<{ code: string; name: string }>(`select code, name from region where level = 'CITY' order by code limit 1`);
    const district = await one<{ code: string; name: string }>(`select code, name from region where level = 'DISTRICT' order by code limit 1`);
    const police = await one<{ id: number; name: string }>(
      `select id, name from department where name like '%公安局' and parent_id is null order by id limit 1`,
    );
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
      {
        name: `breakdown DEPARTMENT: departments of the city, all time (${city.name})`,
        field: 'breakdown',
        filter: { regionCode: city.code },
        by: 'DEPARTMENT',
      },
      { name: `breakdown DEPARTMENT: city, 30 days`, field: 'breakdown', filter: { regionCode: city.code, from, to }, by: 'DEPARTMENT' },
      { name: 'breakdown ITEM: city-wide top 100, all time', field: 'breakdown', filter: null, by: 'ITEM' },
      {
        name: `breakdown STAFF: staff of a department, all time (${staffed.name}, ${staffed.n} staff)`,
        field: 'breakdown',
        filter: { departmentId: Number(staffed.id) },
        by: 'STAFF',
      },
      { name: `breakdown CHANNEL: city, all time`, field: 'breakdown', filter: { regionCode: city.code }, by: 'CHANNEL' },
      { name: `trend DAY: city, 30 days`, field: 'trend', filter: { regionCode: city.code, from, to }, granularity: 'DAY' },
      { name: `trend MONTH: city, all time`, field: 'trend', filter: { regionCode: city.code }, granularity: 'MONTH' },
      { name: `hotTags: city, all time`, field: 'hotTags', filter: { regionCode: city.code } },
    ];
    const admin: Actor = { role: 'admin', label: 'bench' };
    const token = await adminToken(server.url);
    const auth = { authorization: `Bearer ${token}` };
    const dayMs = (day: string) => Date.parse(`${day}T00:00:00+08:00`);
    const range = { from: dayMs(from), to: dayMs(to) + 86_400_000 };
    for (const c of cases) {
      const inProcess = async (): Promise<unknown> => {
        const f = c.filter as never;
        if (c.field === 'overview') return overview(app, admin, f);
        if (c.field === 'breakdown') return breakdown(app, admin, f, c.by!, null);
        if (c.field === 'trend') return trend(app, admin, f, c.granularity!);
        return hotTags(app, admin, f, null);
      };
      c.rawSql = rawSql(c, range);
      const raw = async () => em.execute<unknown[]>(c.rawSql!);
      if (!options.noRaw) c.rawResult = `${(await raw()).length} groups`;
      // One request at a time from this process, as the results say ("client in the same process"):
      // a latency probe, not a load generator.
      // HTTP for the overview and the REGION, DEPARTMENT and STAFF breakdowns only (the cases timed over HTTP before).
      const overHttp =
        c.field === 'overview'
          ? () => gql<{ overview: { total: number } }>(server.url, OVERVIEW_QUERY, { f: c.filter }, auth)
          : c.field === 'breakdown' && c.by !== 'ITEM' && c.by !== 'CHANNEL'
            ? () => gql<{ breakdown: { rows: unknown[] } }>(server.url, BREAKDOWN_QUERY, { f: c.filter, by: c.by }, auth)
            : null;
      const sample = (await inProcess()) as { total?: number | null; rows?: unknown[]; points?: unknown[]; tags?: unknown[] };
      c.result =
        c.field === 'overview'
          ? `total ${sample.total}`
          : c.field === 'breakdown'
            ? `${sample.rows!.length} rows`
            : c.field === 'trend'
              ? `${sample.points!.length} points`
              : `${sample.tags!.length} tags of ${sample.total}`;
      for (let i = 0; i < 5; i++) {
        await inProcess();
        await overHttp?.();
        if (!huge && !options.noRaw) await raw();
      }
      c.inProcess = summarize(await timeRuns(options.runs, inProcess));
      if (overHttp) c.http = summarize(await timeRuns(options.runs, overHttp));
      if (!options.noRaw) c.raw = summarize(await timeRuns(huge ? 1 : Math.min(options.runs, 20), raw));
      say(
        `  ${c.name}: ${c.result}; in-process median ${c.inProcess.p50.toFixed(2)} ms p99 ${c.inProcess.p99.toFixed(2)} ms` +
          `${c.http ? `; HTTP median ${c.http.p50.toFixed(2)} ms p95 ${c.http.p95.toFixed(2)} ms` : ''}${c.raw ? `; raw GROUP BY median ${c.raw.p50.toFixed(1)} ms (${c.rawResult})` : ''}`,
      );
    }
    return {
      env: finishEnvironment(env),
      ratings: options.ratings,
      runs: options.runs,
      seed: { ...db.seed, reused: db.reused },
      targets: {
        city: `${city.name} ${city.code}`,
        district: `${district.name} ${district.code}`,
        department: `${police.name} (id ${police.id})`,
        staffDepartment: `${staffed.name} (id ${staffed.id})`,
        range: `${from} – ${to}`,
      },
      cases,
    };
  } finally {
    await server.close();
    db.cleanup();
  }
}

/**
 * P5's reference for a case: about the same answer by one GROUP BY over the raw rating rows (SQLite
 * SQL). Ratings are attributed by their service's own department, item and staff (joint cases'
 * other units are left out) and hot tags are grouped by the stored tag list: close to the figure,
 * and the same work a database without rollups would do.
 */
function rawSql(c: QueryCase, range: { from: number; to: number }): string {
  const f = c.filter ?? {};
  const conds = ['r.valid = 1', 'r.assess_number = 1', "k.kind <> 'CONSULTATION'"];
  if (typeof f.regionCode === 'string') conds.push(`d.region_code like '${f.regionCode.slice(0, 4)}%'`);
  if (typeof f.departmentId === 'number') conds.push(`d.path like '%/${f.departmentId}/%'`);
  if (f.from) conds.push(`r.rated_at >= ${range.from} and r.rated_at < ${range.to}`);
  const cells = 'r.level, r.is_default';
  const group: Record<string, string> = {
    overview: `r.channel, ${cells}`,
    REGION: `substr(d.region_code, 1, 6), ${cells}`,
    DEPARTMENT: `substr(d.path, 2, instr(substr(d.path, 2), '/') - 1), ${cells}`,
    ITEM: `s.item_id, ${cells}`,
    STAFF: `s.staff_id, ${cells}`,
    CHANNEL: `r.channel, ${cells}`,
    trend: c.granularity === 'DAY' ? `(r.rated_at + 28800000) / 86400000, ${cells}` : `strftime('%Y%m', (r.rated_at + 28800000) / 1000, 'unixepoch'), ${cells}`,
    hotTags: 'r.tags',
  };
  const by = c.field === 'breakdown' ? c.by! : c.field;
  return `select ${group[by]}, count(*) as n
    from rating r join service s on s.id = r.service_id join case_record k on k.id = r.case_id join department d on d.id = s.department_id
   where ${conds.join(' and ')}
   group by ${group[by]}`;
}

/** Milliseconds of each of `runs` calls of `fn`, one after another. */
async function timeRuns(runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times;
}

async function gql<T>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<T> {
  const send = () =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query, variables }),
    });
  // The server shares this process: while a long raw GROUP BY blocks the event loop, its keep-alive
  // timer and the client's fire late and a reused socket can be closed under a new request. Once more.
  const res = await send().catch(send);
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (!body.data || body.errors) throw new Error(`GraphQL error: ${JSON.stringify(body.errors ?? body)}`);
  return body.data;
}

async function adminToken(url: string): Promise<string> {
  const { admin } = DEMO_CREDENTIALS;
  const data = await gql<{ login: { token: string } }>(url, 'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', {
    u: admin.username,
    p: admin.password,
  });
  return data.login.token;
}

/** Shanghai calendar day (YYYY-MM-DD) of an instant, shifted by `days`. */
function shanghaiDay(at: Date, days = 0): string {
  return new Date(at.getTime() + 8 * 3_600_000 + days * 86_400_000).toISOString().slice(0, 10);
}
