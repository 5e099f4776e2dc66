import { deferralsOf } from '../db/deferred.js';
import type { Em } from '../db/orm.js';
import { mergeDeltas } from '../stats/rollup.logic.js';
import { METRICS, rectRollupDeltas, type Metric, type RectRollupDelta } from './figures.logic.js';
import { RectCaseSchema } from './rectification.entities.js';

const CHUNK = 200;

/**
 * Adds assessment counter deltas inside the caller's transaction: at once, or at the end of the group
 * commit that runs it (see db/deferred.ts).
 */
export async function applyRectRollup(em: Em, deltas: RectRollupDelta[]): Promise<void> {
  const deferrals = deferralsOf(em);
  if (deferrals) deferrals.add('rect_rollup', deltas, writeRectRollup);
  else await writeRectRollup(em, deltas);
}

/** Multi-row upserts in key order (concurrent writers lock the rows in one order). */
async function writeRectRollup(em: Em, deltas: RectRollupDelta[]): Promise<void> {
  const merged = mergeDeltas(deltas, (d) => `${d.scope}|${d.grain}|${d.period}|${d.metric}`);
  const rows = [...merged.keys()].sort().map((key) => merged.get(key)!);
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    await em.execute(
      'insert into rect_rollup (scope, grain, period, metric, n) values ' +
        chunk.map(() => '(?, ?, ?, ?, ?)').join(', ') +
        ' on conflict (scope, grain, period, metric) do update set n = rect_rollup.n + excluded.n',
      chunk.flatMap((r) => [r.scope, r.grain, r.period, r.metric, r.n]),
      'run',
    );
  }
}

/** The counters of some scopes for one period (grain A period 0 = all time; grain M period 202611). */
export async function readRectRollup(em: Em, scopes: string[], grain: 'A' | 'M', period: number): Promise<Map<string, Partial<Record<Metric, number>>>> {
  const out = new Map<string, Partial<Record<Metric, number>>>();
  for (let i = 0; i < scopes.length; i += CHUNK) {
    const chunk = scopes.slice(i, i + CHUNK);
    if (chunk.length === 0) continue;
    const rows = await em.execute<Array<{ scope: string; metric: string; n: number | string }>>(
      `select scope, metric, n from rect_rollup where grain = ? and period = ? and scope in (${chunk.map(() => '?').join(', ')})`,
      [grain, period, ...chunk],
    );
    for (const row of rows) {
      if (!(METRICS as readonly string[]).includes(row.metric)) continue;
      const entry = out.get(row.scope) ?? {};
      entry[row.metric as Metric] = Number(row.n);
      out.set(row.scope, entry);
    }
  }
  return out;
}

/**
 * The counters the cases imply, recomputed from `rect_case` (like `stats:rebuild` for the rating
 * rollups): used to prove the incremental counters exact, and to repair them if ever needed.
 */
export async function recountRectRollup(em: Em): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let afterId = 0;
  for (;;) {
    const page = await em.find(RectCaseSchema, { id: { $gt: afterId } }, { orderBy: { id: 'asc' }, limit: 500 });
    if (page.length === 0) break;
    afterId = page[page.length - 1]!.id;
    for (const c of page) {
      for (const d of rectRollupDeltas(c, c.openedAt, null, c)) {
        const key = `${d.scope}|${d.grain}|${d.period}|${d.metric}`;
        out.set(key, (out.get(key) ?? 0) + d.n);
      }
    }
  }
  for (const [key, n] of out) if (n === 0) out.delete(key);
  return out;
}

/** The stored counters keyed like the recount (zeros left out). */
export async function storedRectRollup(em: Em): Promise<Map<string, number>> {
  const rows = await em.execute<Array<{ scope: string; grain: string; period: number | string; metric: string; n: number | string }>>(
    'select scope, grain, period, metric, n from rect_rollup where n <> 0',
  );
  return new Map(rows.map((r) => [`${r.scope}|${r.grain}|${Number(r.period)}|${r.metric}`, Number(r.n)]));
}
