/**
 * Scenario `bulletin`: seed a SQLite database with `ratings` ratings (the demo city, as `queries` does)
 * and time generateBulletin for the city, in-process with an admin actor: the build (headline from the
 * rollups, rectification counts, the department and district rankings, bad-review tags, overdue cases,
 * problems, typical cases) and the one row it writes; not the PDF print (that is /export/…).
 *
 * A closed period is frozen the first time it is read (R22), so a second build reads the frozen
 * figures. Each "cold" run therefore deletes the region's frozen figures first and measures the full
 * computation; the "frozen" runs measure the usual case of a month already read once. The current
 * month (open, never frozen) is timed too. Figures go to bench/results/bulletin.json and bulletin.md.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededDatabase } from '../lib/database.js';
import { environment, finishEnvironment, type Environment } from '../lib/machine.js';
import { freshEm, generateBulletin, startBenchServer, type Actor } from '../lib/server.js';
import { summarize, type Summary } from '../lib/stats.js';
import { say, shown } from '../lib/util.js';

export interface BulletinOptions {
  ratings: number;
  /** Timed runs per case (cold runs are at most 5: each recomputes every ranking). */
  runs: number;
  fresh: boolean;
  out: string;
}

export interface BulletinCase {
  name: string;
  period: string;
  /** What the built bulletin holds (headline total, ranked departments). */
  result: string;
  timings: Summary;
}

export interface BulletinResult {
  env: Environment;
  ratings: number;
  seed: Record<string, unknown>;
  region: string;
  cases: BulletinCase[];
}

const ADMIN: Actor = { role: 'admin', label: 'bench' };

export async function benchBulletin(options: BulletinOptions): Promise<BulletinResult> {
  const env = environment();
  say(`\n== bulletin: ${options.ratings.toLocaleString('en')} ratings`);
  const db = await seededDatabase(options.ratings, options.fresh);
  const server = await startBenchServer(db.file, db.dataDir);
  try {
    const app = server.app;
    const em = freshEm(app);
    const city = (await em.execute<Array<{ code: string; name: string }>>(`select code, name from region where level = 'CITY' order by code limit 1`))[0]!;
    const now = app.clock.now().getTime();
    const thisMonth = new Date(now + 8 * 3_600_000).toISOString().slice(0, 7);
    const [y, m] = thisMonth.split('-').map(Number) as [number, number];
    const lastMonth = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
    const unfreeze = () => em.execute(`delete from assessment_snapshot`);
    const build = async (period: string) => {
      const b = await generateBulletin(app, ADMIN, city.code, period);
      const c = JSON.parse(b.content) as { headline: { total: number }; ranking: Array<{ rank: number | null }> };
      return `total ${c.headline.total}, ${c.ranking.filter((r) => r.rank !== null).length}/${c.ranking.length} departments ranked`;
    };
    const cold = Math.min(options.runs, 5);
    const cases: BulletinCase[] = [];
    const timeCase = async (name: string, period: string, runs: number, before: () => Promise<unknown>) => {
      let result = '';
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        await before();
        const t = performance.now();
        result = await build(period);
        times.push(performance.now() - t);
      }
      const timings = summarize(times);
      cases.push({ name, period, result, timings });
      say(`  ${name} (${period}): ${result}; median ${timings.p50.toFixed(0)} ms, max ${timings.max.toFixed(0)} ms over ${runs} runs`);
    };
    await timeCase(`last month, cold (frozen figures deleted before each run) — ${city.name}`, lastMonth, cold, unfreeze);
    await timeCase(`last month, frozen (read once before) — ${city.name}`, lastMonth, Math.min(options.runs, 20), async () => undefined);
    await timeCase(`this month, open (computed every time) — ${city.name}`, thisMonth, cold, async () => undefined);
    const result: BulletinResult = {
      env: finishEnvironment(env),
      ratings: options.ratings,
      seed: { ...db.seed, reused: db.reused },
      region: `${city.name} ${city.code}`,
      cases,
    };
    save(options.out, result);
    return result;
  } finally {
    await server.close();
    db.cleanup();
  }
}

/** bench/results/bulletin.json (one section per rating count) and bulletin.md. */
function save(out: string, r: BulletinResult): void {
  mkdirSync(out, { recursive: true });
  const jsonFile = join(out, 'bulletin.json');
  const all = (existsSync(jsonFile) ? JSON.parse(readFileSync(jsonFile, 'utf8')) : {}) as Record<string, BulletinResult>;
  all[String(r.ratings)] = r;
  writeFileSync(jsonFile, `${JSON.stringify(all, null, 2)}\n`);
  const lines = ['# Bulletin build (generateBulletin, no PDF)', ''];
  for (const x of Object.values(all).sort((a, b) => a.ratings - b.ratings)) {
    const seed = x.seed as { ms?: number; ratingsPerSec?: number; reused?: boolean; fileMiB?: number };
    lines.push(
      `## ${x.ratings.toLocaleString('en')} ratings — ${x.region}`,
      '',
      `Measured ${x.env.at} at ${x.env.commit}${x.env.dirty ? ' (dirty)' : ''}, ${x.env.cores} × ${x.env.cpu}, Node ${x.env.node}; load average before ${x.env.loadBefore.join(' / ')}, after ${(x.env.loadAfter ?? []).join(' / ')}.`,
      `Seed: ${((seed.ms ?? 0) / 1000).toFixed(1)} s (${(seed.ratingsPerSec ?? 0).toLocaleString('en')} ratings/s)${seed.reused ? ', reused from an earlier run' : ''}, ${seed.fileMiB ?? '?'} MiB.`,
      '',
      '| case | period | result | runs | median ms | max ms |',
      '|---|---|---|---|---|---|',
      ...x.cases.map((c) => `| ${c.name} | ${c.period} | ${c.result} | ${c.timings.n} | ${c.timings.p50.toFixed(0)} | ${c.timings.max.toFixed(0)} |`),
      '',
    );
  }
  writeFileSync(join(out, 'bulletin.md'), lines.join('\n'));
  say(`\nwrote ${shown(jsonFile)} and ${shown(join(out, 'bulletin.md'))}`);
}
