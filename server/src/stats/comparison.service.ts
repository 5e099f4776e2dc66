import type { Actor } from '../common/actor.js';
import { InvalidInputError, NotFoundError } from '../common/errors.js';
import { scopeKey } from '../common/scope-key.js';
import type { Em } from '../db/orm.js';
import { topDepartmentsOf } from '../catalog/catalog.service.js';
import { DIMENSIONS } from '../catalog/levels.logic.js';
import { accessFor, minCountFor } from './access.logic.js';
import {
  comparedFiguresOf,
  comparedPeriods,
  deltaOf,
  isoDay,
  mean,
  median,
  summarisePeers,
  type ComparedFigures,
  type DimensionCell,
  type LevelCell,
} from './comparison.logic.js';
import { planRange, todayOf, type FilterScope, type StatsFilterInput } from './stats.logic.js';
import { rangeWhere, resolveStatsQuery, type Snapshot, type StatsDeps, type StatsQuery } from './stats.service.js';
import { nextSeq, shanghaiIso } from './stats.logic.js';

/**
 * `figureComparison` (R21, R22): a department's or region's figures next to its previous period of
 * equal length and its peer group's median and mean. Peers are the units of the same kind under the
 * same parent, as the breakdowns list them: sub-units of the same department, the top departments
 * located in the same region, the regions of the same parent region. Read from the rollups in four
 * statements (levels and dimensions, for the period over unit and peers, and for the previous period
 * over the unit) plus two catalog lookups. Access: the unit as every figure (its own subtree exactly,
 * elsewhere the public minimum); each peer likewise for the caller, so a peer withheld from the
 * caller takes no part in the median and mean.
 */

export interface ComparisonBody {
  scope: string;
  name: string;
  peerGroup: string;
  peers: number;
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  unit: ComparedFigures;
  previous: ComparedFigures;
  peerMedian: ComparedFigures;
  peerMean: ComparedFigures;
  versusPrevious: ComparedFigures;
  versusPeerMedian: ComparedFigures;
}

export interface Peer {
  key: string;
  scope: FilterScope;
  facts: { departmentPath: string; regionCode: string } | null;
}

export async function figureComparison(app: StatsDeps, actor: Actor, input: StatsFilterInput | null | undefined): Promise<Snapshot<ComparisonBody>> {
  const em = app.orm.em.fork() as Em;
  const plan = await resolveComparison(app, em, actor, input);
  const now = app.clock.now().getTime();
  return { ...(await computeComparison(app, em, actor, plan)), seq: nextSeq(0, now), asOf: shanghaiIso(now) };
}

/** A comparison resolved once (access, unit, peer group): what a live topic recomputes per change. */
export interface ComparisonPlan {
  q: StatsQuery;
  group: { name: string; label: string; peers: Peer[] };
}

/** Checks the caller's access and finds the unit's peer group. */
export async function resolveComparison(app: StatsDeps, em: Em, actor: Actor, input: StatsFilterInput | null | undefined): Promise<ComparisonPlan> {
  const q = await resolveStatsQuery(app, em, actor, input, false);
  const scope = q.filter.scope;
  if (scope.kind !== 'DEPARTMENT' && scope.kind !== 'REGION') {
    throw InvalidInputError.field('filter', 'a department or a region (comparisons are made within a peer group)', scope.kind);
  }
  if (q.filter.fromDay !== null && q.filter.toDay !== null && q.filter.fromDay > q.filter.toDay) {
    throw InvalidInputError.field('filter.from', 'a day not after filter.to', isoDay(q.filter.fromDay));
  }
  const group = scope.kind === 'DEPARTMENT' ? await departmentPeers(em, scope.id) : await regionPeers(em, scope.code);
  return { q, group };
}

/** The scope keys whose changes alter a comparison: the unit's and its peers'. */
export function comparisonScopes(plan: ComparisonPlan): string[] {
  return [plan.q.scopeKey, ...plan.group.peers.map((p) => p.key)];
}

/** Four statements: the unit and its peers over the period, the unit over the previous period. */
export async function computeComparison(app: StatsDeps, em: Em, actor: Actor, plan: ComparisonPlan): Promise<ComparisonBody> {
  const { q, group } = plan;
  const period = comparedPeriods(q.filter.fromDay, q.filter.toDay, todayOf(app.clock.now().getTime()));
  const peerKeys = group.peers.map((p) => p.key);

  const current = await cells(em, q, [q.scopeKey, ...peerKeys], period.from, period.to);
  const before = await cells(em, q, [q.scopeKey], period.previousFrom, period.previousTo);
  const figuresFor = (c: Cells, key: string, minCount: number) => comparedFiguresOf(c.levels.get(key) ?? [], c.dimensions.get(key) ?? [], DIMENSIONS, minCount);

  const unit = figuresFor(current, q.scopeKey, q.minCount);
  const previous = figuresFor(before, q.scopeKey, q.minCount);
  const peers = group.peers.map((p) => figuresFor(current, p.key, minCountFor(accessFor(actor, p.scope, false, p.facts), app.config.minPublicRatings)));
  const peerMedian = summarisePeers(peers, DIMENSIONS, median);
  const peerMean = summarisePeers(peers, DIMENSIONS, mean);
  return {
    scope: q.scopeKey,
    name: group.name,
    peerGroup: group.label,
    peers: group.peers.length,
    from: isoDay(period.from),
    to: isoDay(period.to),
    previousFrom: isoDay(period.previousFrom),
    previousTo: isoDay(period.previousTo),
    unit,
    previous,
    peerMedian,
    peerMean,
    versusPrevious: deltaOf(unit, previous),
    versusPeerMedian: deltaOf(unit, peerMedian),
  };
}

interface Cells {
  levels: Map<string, LevelCell[]>;
  dimensions: Map<string, DimensionCell[]>;
}

/** Two statements: the level and the dimension cells of some scopes over a day range. */
async function cells(em: Em, q: StatsQuery, keys: string[], fromDay: number, toDay: number): Promise<Cells> {
  const range = rangeWhere(planRange(fromDay, toDay), 'r');
  const where = `r.bucket = ? and r.scope in (${keys.map(() => '?').join(', ')}) and ${range.sql}${q.filter.channel ? ' and r.channel = ?' : ''}`;
  const params = [q.filter.bucket, ...keys, ...range.params, ...(q.filter.channel ? [q.filter.channel] : [])];
  // Without a channel filter the flat totals (one row per scope and period, P5); with one the detailed counters.
  const levelRows = q.filter.channel
    ? await em.execute<Array<{ scope: string; level: number; n: number | string }>>(
        `select r.scope, r.level, sum(r.n) as n from rollup_count r where ${where} group by r.scope, r.level`,
        params,
      )
    : (
        await em.execute<Array<{ scope: string } & Record<string, number | string | null>>>(
          `select r.scope, ${[1, 2, 3, 4, 5].map((l) => `sum(r.a${l} + r.d${l}) as n${l}`).join(', ')} from rollup_total r where ${where} group by r.scope`,
          params,
        )
      ).flatMap((r) => [1, 2, 3, 4, 5].map((level) => ({ scope: r.scope, level, n: Number(r[`n${level}`] ?? 0) })).filter((c) => c.n !== 0));
  const dimensionRows = await em.execute<Array<{ scope: string; dimension: string; level: number; n: number | string }>>(
    `select r.scope, r.dimension, r.level, sum(r.n) as n from rollup_dimension r where ${where} group by r.scope, r.dimension, r.level`,
    params,
  );
  const levels = new Map<string, LevelCell[]>();
  for (const r of levelRows) push(levels, r.scope, { level: Number(r.level), n: Number(r.n) });
  const dimensions = new Map<string, DimensionCell[]>();
  for (const r of dimensionRows) push(dimensions, r.scope, { dimension: r.dimension, level: Number(r.level), n: Number(r.n) });
  return { levels, dimensions };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * A department's peers: its sibling sub-units when its parent sits in the same region, else the other
 * top departments located in its region (city departments, the departments of one district).
 */
async function departmentPeers(em: Em, id: number): Promise<{ name: string; label: string; peers: Peer[] }> {
  const [unit] = await em.execute<Array<{ name: string; region_code: string; parent_id: number | null; parent_region: string | null }>>(
    `select d.name, d.region_code, d.parent_id, p.region_code as parent_region
       from department d left join department p on p.id = d.parent_id where d.id = ?`,
    [id],
  );
  if (!unit) throw NotFoundError.of('department', String(id));
  const sub = unit.parent_id !== null && unit.parent_region === unit.region_code;
  const rows = sub
    ? await em.execute<Array<{ id: number; path: string; region_code: string }>>(
        'select c.id, c.path, c.region_code from department c where c.parent_id = ? and c.id <> ?',
        [unit.parent_id, id],
      )
    : await topDepartmentsOf(em, unit.region_code, id);
  return {
    name: unit.name,
    label: sub ? '同一上级部门的下属单位' : '同一区域的同级部门',
    peers: rows.map((r) => ({
      key: scopeKey.department(Number(r.id)),
      scope: { kind: 'DEPARTMENT', id: Number(r.id) },
      facts: { departmentPath: r.path, regionCode: r.region_code },
    })),
  };
}

/** A region's peers: the other regions of its parent (the districts of a city, …), or the other top regions. */
async function regionPeers(em: Em, code: string): Promise<{ name: string; label: string; peers: Peer[] }> {
  const [unit] = await em.execute<Array<{ name: string; parent_code: string | null }>>('select name, parent_code from region where code = ?', [code]);
  if (!unit) throw NotFoundError.of('region', code);
  const rows = await em.execute<Array<{ code: string }>>(
    unit.parent_code === null
      ? 'select code from region where parent_code is null and code <> ?'
      : 'select code from region where parent_code = ? and code <> ?',
    unit.parent_code === null ? [code] : [unit.parent_code, code],
  );
  return {
    name: unit.name,
    label: '同一上级区域的同级区域',
    peers: rows.map((r) => ({ key: scopeKey.region(r.code), scope: { kind: 'REGION', code: r.code }, facts: null })),
  };
}
