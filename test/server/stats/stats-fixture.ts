import { allEntities } from '../../../server/src/app/entities.js';
import { ensureTagDictionary, TagDictionary } from '../../../server/src/catalog/catalog.service.js';
import { makeCreditCode } from '../../../server/src/catalog/credit-code.logic.js';
import { ManualClock } from '../../../server/src/common/clock.js';
import { loadConfig, type Config } from '../../../server/src/common/config.js';
import { log } from '../../../server/src/common/logger.js';
import { ChangeBus } from '../../../server/src/common/pubsub.js';
import { LiveHub } from '../../../server/src/stats/live-hub.js';
import type { LiveDeps } from '../../../server/src/stats/live-topics.js';
import { openDatabase, type Em, type Orm } from '../../../server/src/db/orm.js';
import { throwawayDatabase } from '../../support/database.js';
import { attributionFromUnits } from '../../../server/src/stats/attribution.store.js';
import { periodOf } from '../../../server/src/stats/period.logic.js';
import { rollupDeltas, scopesOf, type Attribution } from '../../../server/src/stats/rollup.logic.js';
import { applyRollupDeltas } from '../../../server/src/stats/rollup.store.js';

export const PROVINCE = '410000000000';
export const CITY = '419900000000';
export const DISTRICT_A = '419901000000';
export const DISTRICT_B = '419902000000';
export const TOWNSHIP_A1 = '419901001000';
export const TOWNSHIP_A2 = '419901002000';

/** 2026-11-21 10:00 Shanghai. */
export const NOW = new Date('2026-11-21T02:00:00Z');

/** The stats feature's own dependencies, built by the test as the composition root would. */
export type StatsApp = LiveDeps & { clock: ManualClock; bus: ChangeBus; close(): Promise<void> };

/**
 * Just the parts the stats feature declares it needs: in-memory SQLite, or a fresh PostgreSQL database
 * when DATABASE_URL is set (the suite's second run).
 */
export async function statsApp(config: Partial<Config> = {}): Promise<StatsApp> {
  const db = await throwawayDatabase();
  const orm = await openDatabase(db.databaseUrl ? { databaseUrl: db.databaseUrl } : { sqliteFile: ':memory:' }, allEntities);
  const fullConfig = { ...loadConfig({}), minPublicRatings: 0, liveIntervalMs: 50, ...config };
  const bus = new ChangeBus('stats-test');
  const liveHub = new LiveHub({ intervalMs: fullConfig.liveIntervalMs });
  liveHub.listen(bus);
  return {
    orm,
    dialect: db.databaseUrl ? 'postgresql' : 'sqlite',
    clock: new ManualClock(NOW),
    logger: log,
    bus,
    config: fullConfig,
    tags: new TagDictionary(orm),
    liveHub,
    close: async () => {
      liveHub.close();
      await orm.close(true);
      await db.drop();
    },
  };
}

export interface Catalog {
  departments: { police: number; exitEntry: number; market: number; marketBranch: number; social: number };
  items: { idCard: number; passport: number; business: number; branchLicence: number; pension: number; rare: number };
  staff: { wang: number; li: number; zhao: number };
}

interface DeptRow {
  id: number;
  region_code: string;
  path: string;
}

/** City → two districts → townships; five departments (two sub-units), six items, three staff. */
export async function seedCatalog(orm: Orm): Promise<Catalog> {
  const em = orm.em.fork() as Em;
  await ensureTagDictionary(em);
  for (const [code, name, level, parent] of [
    [PROVINCE, '示范省', 'PROVINCE', null],
    [CITY, '河清市', 'CITY', PROVINCE],
    [DISTRICT_A, '东城区', 'DISTRICT', CITY],
    [DISTRICT_B, '西城区', 'DISTRICT', CITY],
    [TOWNSHIP_A1, '东关街道', 'TOWNSHIP', DISTRICT_A],
    [TOWNSHIP_A2, '南关街道', 'TOWNSHIP', DISTRICT_A],
  ] as const) {
    await em.execute('insert into region (code, name, level, parent_code) values (?, ?, ?, ?)', [code, name, level, parent]);
  }
  const depts: Array<[number, string, string, number | null, string]> = [
    [1, '河清市公安局', CITY, null, '/1/'],
    [2, '河清市公安局出入境管理支队', CITY, 1, '/1/2/'],
    [3, '东城区市场监督管理局', DISTRICT_A, null, '/3/'],
    [4, '东城区市场监督管理局东关所', TOWNSHIP_A1, 3, '/3/4/'],
    [5, '西城区人力资源和社会保障局', DISTRICT_B, null, '/5/'],
  ];
  for (const [id, name, region, parent, path] of depts) {
    await em.execute('insert into department (id, credit_code, name, region_code, parent_id, path) values (?, ?, ?, ?, ?, ?)', [
      id,
      creditCodeOf(id),
      name,
      region,
      parent,
      path,
    ]);
  }
  const items: Array<[number, string, string, number]> = [
    [1, '11419900P0001', '居民身份证换领', 1],
    [2, '11419900P0002', '普通护照签发', 2],
    [3, '11419901M0001', '个体工商户设立登记', 3],
    [4, '11419901M0002', '食品经营许可', 4],
    [5, '11419902S0001', '城乡居民养老保险参保登记', 5],
    [6, '11419902S0002', '稀有事项', 5],
  ];
  for (const [id, code, name, dept] of items) {
    await em.execute('insert into item (id, task_code, handle_item_code, name, item_type, department_id) values (?, ?, ?, ?, ?, ?)', [
      id,
      code,
      `${code}01`,
      name,
      '01',
      dept,
    ]);
  }
  for (const [id, dept, no, name] of [
    [1, 3, '0101', '王晓明'],
    [2, 4, '0102', '李静'],
    [3, 1, '0201', '赵强'],
  ] as const) {
    await em.execute('insert into staff (id, department_id, work_no, name, window_id) values (?, ?, ?, ?, null)', [id, dept, no, name]);
  }
  return {
    departments: { police: 1, exitEntry: 2, market: 3, marketBranch: 4, social: 5 },
    items: { idCard: 1, passport: 2, business: 3, branchLicence: 4, pension: 5, rare: 6 },
    staff: { wang: 1, li: 2, zhao: 3 },
  };
}

/** The (valid) unified social credit code the fixture gives department `id`. */
export function creditCodeOf(id: number): string {
  return makeCreditCode('419900', id);
}

/** A rating as the stats feature sees it: where it counts and what it says. */
export interface SyntheticRating {
  attribution: Attribution;
  scopes: string[];
  level: number;
  isDefault: boolean;
  channel: string;
  ratedAt: number;
  tags: string[];
}

const UNITS: Array<{ department_id: number; item_id: number; staff: number | null }> = [
  { department_id: 1, item_id: 1, staff: 3 },
  { department_id: 2, item_id: 2, staff: null },
  { department_id: 3, item_id: 3, staff: 1 },
  { department_id: 4, item_id: 4, staff: 2 },
  { department_id: 5, item_id: 5, staff: null },
];
const CHANNELS = ['PC', 'APP', 'QR', 'WINDOW', 'TERMINAL', 'SMS'];
const TAGS: Record<number, string[]> = { 5: ['501', '502', '503'], 4: ['401', '402'], 3: ['301'], 2: ['201', '202'], 1: ['101', '102'] };

/** Deterministic ratings over the catalog: ordinary, joint (two departments) and consultation cases, defaults. */
export function syntheticRatings(count: number, seed = 42): SyntheticRating[] {
  let s = seed;
  const rnd = (n: number) => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return Math.floor((s / 2 ** 31) * n);
  };
  const deptRows: Record<number, DeptRow> = {
    1: { id: 1, region_code: CITY, path: '/1/' },
    2: { id: 2, region_code: CITY, path: '/1/2/' },
    3: { id: 3, region_code: DISTRICT_A, path: '/3/' },
    4: { id: 4, region_code: TOWNSHIP_A1, path: '/3/4/' },
    5: { id: 5, region_code: DISTRICT_B, path: '/5/' },
  };
  const out: SyntheticRating[] = [];
  const start = Date.UTC(2026, 8, 20); // 2026-09-20, ~62 days before NOW
  for (let i = 0; i < count; i++) {
    const unit = UNITS[rnd(UNITS.length)]!;
    const kindRoll = rnd(10);
    const kind = kindRoll === 0 ? 'CONSULTATION' : kindRoll === 1 ? 'JOINT' : 'ORDINARY';
    const units = [{ ...unit, region_code: deptRows[unit.department_id]!.region_code, path: deptRows[unit.department_id]!.path }];
    if (kind === 'JOINT' && unit.department_id !== 5) units.push({ department_id: 5, item_id: 5, staff: null, region_code: DISTRICT_B, path: '/5/' });
    const isDefault = rnd(6) === 0;
    const levelRoll = rnd(100);
    const level = isDefault ? 3 : levelRoll < 70 ? 5 : levelRoll < 88 ? 4 : levelRoll < 95 ? 3 : levelRoll < 98 ? 2 : 1;
    const tags = !isDefault && rnd(2) === 0 ? [TAGS[level]![rnd(TAGS[level]!.length)]!] : [];
    const attribution = attributionFromUnits(units, kind, unit.staff);
    out.push({
      attribution,
      scopes: scopesOf(attribution),
      level,
      isDefault,
      channel: isDefault ? 'DEFAULT' : CHANNELS[rnd(CHANNELS.length)]!,
      ratedAt: start + rnd(62 * 86_400_000),
      tags,
    });
  }
  return out;
}

/** Writes the rollups of the ratings exactly as the rating transaction does. */
export async function storeRollups(orm: Orm, ratings: SyntheticRating[]): Promise<void> {
  const em = orm.em.fork() as Em;
  await em.transactional(async (tx) => {
    for (const r of ratings) {
      const d = rollupDeltas(r.attribution, { level: r.level, isDefault: r.isDefault, channel: r.channel, ratedAt: r.ratedAt, tags: r.tags }, 1);
      await applyRollupDeltas(tx as Em, d.counts, d.tags);
    }
  });
}

/** The naive answer: ratings of one scope, bucket, channel and Shanghai day range. */
export function naive(
  ratings: SyntheticRating[],
  scope: string,
  opts: { bucket?: 'H' | 'C'; channel?: string; from?: number; to?: number } = {},
): SyntheticRating[] {
  return ratings.filter(
    (r) =>
      r.scopes.includes(scope) &&
      r.attribution.bucket === (opts.bucket ?? 'H') &&
      (!opts.channel || r.channel === opts.channel) &&
      (opts.from === undefined || periodOf(r.ratedAt, 'D') >= opts.from) &&
      (opts.to === undefined || periodOf(r.ratedAt, 'D') <= opts.to),
  );
}

/** Counts SQL statements sent through MikroORM (knex) while `fn` runs. */
export async function countStatements<T>(orm: Orm, fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  const statements: string[] = [];
  const knex = (
    orm.em.getConnection() as unknown as { getKnex(): { on(e: string, cb: (q: { sql: string }) => void): void; off(e: string, cb: unknown): void } }
  ).getKnex();
  const listener = (q: { sql: string }) => statements.push(q.sql);
  knex.on('query', listener);
  try {
    return { result: await fn(), statements };
  } finally {
    knex.off('query', listener);
  }
}
