/**
 * Demo data: the invented city of seeds/demo-city.ts written into an empty database, with demo
 * accounts and a rating history. Bulk inserts with ids assigned here, and the rollups added from
 * the same records, so ten million ratings load in minutes and the counters are exact.
 */
import type { RectificationDeps } from '../server/src/rectification/rectification.deps.js';
import type { Kernel } from '../server/src/common/kernel.js';
import type { PiiCipher } from '../server/src/common/crypto.js';
import type { Database } from '../server/src/db/orm.js';
import { createApiKey, createUser } from '../server/src/auth/auth.service.js';
import { DepartmentSchema } from '../server/src/catalog/catalog.entities.js';
import { maskName, maskPhone } from '../server/src/common/mask.logic.js';
import { log } from '../server/src/common/logger.js';
import type { Em } from '../server/src/db/orm.js';
import { MetaSchema } from '../server/src/db/meta.entity.js';
import type { Channel } from '../server/src/catalog/channel.logic.js';
import { attributionFromUnits } from '../server/src/stats/attribution.store.js';
import {
  countKeyString,
  dimensionKeyString,
  rollupDeltas,
  tagKeyString,
  type Attribution,
  type Bucket,
  type DimensionDelta,
  type RatingFacts,
} from '../server/src/stats/rollup.logic.js';
import { refillTotalsFromCounts } from '../server/src/stats/rollup.store.js';
import { periodOf, SHANGHAI_OFFSET_MS, type Grain } from '../server/src/stats/period.logic.js';
import { openBulkWriter } from '../server/src/db/bulk-writer.js';
import { seedDemoRectification } from './demo-history.js';
import {
  generateDemoCatalog,
  generateDemoHistory,
  type DemoApplicant,
  type DemoCaseRecord,
  type DemoCatalog,
  type DemoHistoryRecord,
  type DemoRatingRecord,
  type DemoServiceRecord,
} from './demo-city.js';

/** Demo accounts, printed at start and listed in the README. Demo only: never use on real data. */
export const DEMO_CREDENTIALS = {
  admin: { username: 'admin', password: 'demo-admin' },
  supervisor: { username: 'supervisor', password: 'demo-supervisor' },
  officer: { username: 'officer', password: 'demo-officer' },
  hotline: { username: 'hotline', password: 'demo-hotline' },
  security: { username: 'security', password: 'demo-security' },
  auditor: { username: 'auditor', password: 'demo-auditor' },
  systemKey: 'hcp_demo_system_key',
  windowKey: 'hcp_demo_window_key',
};

/** What seeding the demo city needs: the rectification history walks real workflow steps. */
export interface SeedDeps extends Kernel, Database, RectificationDeps {
  readonly cipher: PiiCipher;
  readonly channelCodes: Readonly<Record<Channel, number>>;
}

export interface SeedOptions {
  ratings: number;
  days?: number;
  endAt?: Date;
  onProgress?: (done: number, total: number) => void;
}

export async function seedDemoIfEmpty(app: SeedDeps): Promise<boolean> {
  const em = app.orm.em.fork() as Em;
  if ((await em.count(DepartmentSchema, {})) > 0) return false;
  const started = Date.now();
  await seedDemo(app, { ratings: app.config.seedRatings });
  log.info('demo data seeded (演示数据: invented city 河清市)', { ratings: app.config.seedRatings, ms: Date.now() - started });
  printCredentials();
  return true;
}

export async function isDemo(app: SeedDeps): Promise<boolean> {
  const meta = await app.orm.em.fork().findOne(MetaSchema, { key: 'demo' });
  return meta?.value === 'true';
}

export function printCredentials(): void {
  const c = DEMO_CREDENTIALS;
  process.stdout.write(
    [
      '',
      'Demo credentials (演示数据, invented; see README):',
      `  admin       ${c.admin.username} / ${c.admin.password}`,
      `  supervisor  ${c.supervisor.username} / ${c.supervisor.password}   (whole city)`,
      `  officer     ${c.officer.username} / ${c.officer.password}   (河清市公安局 and its sub-units)`,
      `  hotline     ${c.hotline.username} / ${c.hotline.password}   (12345 hotline operator, whole city: callbacks)`,
      `  security    ${c.security.username} / ${c.security.password}   (安全管理员: accounts and API keys)`,
      `  auditor     ${c.auditor.username} / ${c.auditor.password}   (审计管理员: the audit trail)`,
      `  system key  ${c.systemKey}   (x-api-key of 河清市公安局's business system)`,
      `  window key  ${c.windowKey}   (x-api-key of window evaluator 1)`,
      '',
    ].join('\n'),
  );
}

interface Ids {
  dept: Map<string, { id: number; path: string; regionCode: string }>;
  item: Map<string, number>;
  staff: Map<string, number>;
  window: Map<string, number>;
  terminal: Map<string, number>;
  hall: Map<string, number>;
}

export async function seedDemo(app: SeedDeps, options: SeedOptions): Promise<void> {
  const catalog = generateDemoCatalog();
  const em = app.orm.em.fork() as Em;
  const ids = await em.transactional((tx) => writeCatalog(tx as Em, catalog));
  await writeAccounts(app, em, ids, catalog);
  await writeHistory(app, catalog, ids, options);
  // The flat totals from the detailed counters in one statement, before the rectification history invalidates some ratings.
  await refillTotalsFromCounts(app.orm.em.fork() as Em);
  await em.upsertMany(MetaSchema, [
    { key: 'demo', value: 'true' },
    { key: 'siteName', value: `${catalog.city.name}（演示数据）` },
  ]);
  await seedDemoRectification(app, { now: options.endAt ?? app.clock.now() });
}

async function writeCatalog(em: Em, c: DemoCatalog): Promise<Ids> {
  await insertRows(
    em,
    'region',
    ['code', 'name', 'level', 'parent_code'],
    c.regions.map((r) => [r.code, r.name, r.level, r.parentCode]),
  );
  const ids: Ids = { dept: new Map(), item: new Map(), staff: new Map(), window: new Map(), terminal: new Map(), hall: new Map() };
  const deptRows = c.departments.map((d, i) => [i + 1, d.creditCode, d.name, d.regionCode, null as number | null, '']);
  c.departments.forEach((d, i) => ids.dept.set(d.key, { id: i + 1, path: '', regionCode: d.regionCode }));
  // Parents come before their sub-units in the generator's order, so paths resolve in one pass.
  c.departments.forEach((d, i) => {
    const parent = d.parentKey ? ids.dept.get(d.parentKey)! : undefined;
    const self = ids.dept.get(d.key)!;
    self.path = `${parent?.path ?? '/'}${self.id}/`;
    deptRows[i]![4] = parent?.id ?? null;
    deptRows[i]![5] = self.path;
  });
  await insertRows(em, 'department', ['id', 'credit_code', 'name', 'region_code', 'parent_id', 'path'], deptRows);
  await insertRows(
    em,
    'hall',
    ['id', 'name', 'region_code'],
    c.halls.map((h, i) => (ids.hall.set(h.key, i + 1), [i + 1, h.name, h.regionCode])),
  );
  await insertRows(
    em,
    'service_window',
    ['id', 'hall_id', 'no', 'name', 'department_id'],
    c.windows.map((w, i) => (ids.window.set(w.key, i + 1), [i + 1, ids.hall.get(w.hallKey)!, w.no, w.name, ids.dept.get(w.departmentKey)!.id])),
  );
  await insertRows(
    em,
    'terminal',
    ['id', 'hall_id', 'no', 'name'],
    c.terminals.map((t, i) => (ids.terminal.set(t.key, i + 1), [i + 1, ids.hall.get(t.hallKey)!, t.no, t.name])),
  );
  await insertRows(
    em,
    'staff',
    ['id', 'department_id', 'work_no', 'name', 'window_id'],
    c.staff.map((s, i) => (ids.staff.set(s.key, i + 1), [i + 1, ids.dept.get(s.departmentKey)!.id, s.workNo, s.name, ids.window.get(s.windowKey) ?? null])),
  );
  await insertRows(
    em,
    'item',
    ['id', 'task_code', 'handle_item_code', 'name', 'item_type', 'department_id'],
    c.items.map((it, i) => (ids.item.set(it.key, i + 1), [i + 1, it.taskCode, it.handleItemCode, it.name, it.itemType, ids.dept.get(it.departmentKey)!.id])),
  );
  for (const table of ['department', 'hall', 'service_window', 'terminal', 'staff', 'item']) await resetSequence(em, table);
  return ids;
}

async function writeAccounts(app: SeedDeps, em: Em, ids: Ids, c: DemoCatalog): Promise<void> {
  const now = app.clock.now().getTime();
  const cred = DEMO_CREDENTIALS;
  const police = c.departments.find((d) => d.name.includes('公安局') && !d.parentKey && d.regionCode === c.city.code) ?? c.departments[0]!;
  const policeId = ids.dept.get(police.key)!.id;
  const cost = app.config.passwordHashCost;
  await createUser(em, { ...cred.admin, role: 'admin', displayName: '系统管理员（演示）' }, now, cost);
  await createUser(
    em,
    { ...cred.supervisor, role: 'supervisor', displayName: `${c.city.name}政务服务和大数据管理局（演示）`, regionCode: c.city.code },
    now,
    cost,
  );
  await createUser(em, { ...cred.officer, role: 'department', displayName: `${police.name}经办人（演示）`, departmentId: policeId }, now, cost);
  await createUser(em, { ...cred.hotline, role: 'hotline', displayName: '12345热线话务员（演示）', regionCode: c.city.code }, now, cost);
  await createUser(em, { ...cred.security, role: 'security', displayName: '安全管理员（演示）' }, now, cost);
  await createUser(em, { ...cred.auditor, role: 'auditor', displayName: '审计管理员（演示）' }, now, cost);
  await createApiKey(em, { role: 'system', name: `${police.name}业务系统（演示）`, departmentId: policeId, secret: cred.systemKey }, now, app.cipher);
  await createApiKey(em, { role: 'device', name: '窗口评价器 1（演示）', windowId: 1, secret: cred.windowKey }, now, app.cipher);
}

/** Streams the generated history into the database in transactions of CHUNK ratings. */
async function writeHistory(app: SeedDeps, c: DemoCatalog, ids: Ids, options: SeedOptions): Promise<void> {
  const CHUNK = 20_000;
  const endAt = options.endAt ?? app.clock.now();
  const history = new HistoryState(app, ids);
  // Large loads write on a second thread while this one generates (SQLite; PostgreSQL writes in its own process).
  const writer = await openBulkWriter(bulkTarget(app), { thread: options.ratings >= 100_000 });
  // Counters are summed in memory across chunks (most keys repeat) and written, sorted in key order,
  // when the table grows large and at the end; the database is not served while it is being seeded.
  const ROLLUP_FLUSH_KEYS = 8_000_000;
  const rollups = history.rollups;
  const flushRollups = () =>
    writer.transaction(async () => {
      for (const rows of rollups.countRows()) {
        await writer.addCounts('rollup_count', ['bucket', 'scope', 'grain', 'period', 'channel', 'level', 'is_default'], rows);
      }
      for (const rows of rollups.tagRows()) {
        await writer.addCounts('rollup_tag', ['bucket', 'scope', 'grain', 'period', 'channel', 'tag'], rows);
      }
      for (const rows of rollups.dimensionRows()) {
        await writer.addCounts('rollup_dimension', ['bucket', 'scope', 'grain', 'period', 'channel', 'dimension', 'level'], rows);
      }
      rollups.clear();
    });
  const flush = async () => {
    const b = history.buffer;
    history.buffer = newBuffer();
    await writer.transaction(async () => {
      await writer.insert('case_record', CASE_COLUMNS, b.cases);
      await writer.insert('case_unit', ['case_id', 'department_id', 'item_id'], b.units);
      await writer.insert('service', SERVICE_COLUMNS, b.services, { pro_status: 3 });
      await writer.insert('rating', RATING_COLUMNS, b.ratings, { assess_number: 1, valid: true });
    });
    if (rollups.size > ROLLUP_FLUSH_KEYS) await flushRollups();
    options.onProgress?.(history.done, options.ratings);
  };

  try {
    for (const record of generateDemoHistory(c, { ratings: options.ratings, endAt, days: options.days })) {
      history.add(record);
      if (history.buffer.ratings.length >= CHUNK) await flush();
    }
    history.finish();
    await flush();
    await flushRollups();
  } finally {
    await writer.close();
  }
  for (const table of ['case_record', 'service', 'rating']) await resetSequence(app.orm.em.fork() as Em, table);
}

// Columns not listed are null (accepted_at, invalid_reason, rater_*, token_id, actor_id); the
// constants are given to the writer once per statement.
const CASE_COLUMNS = [
  'id',
  'project_no',
  'kind',
  'batch_no',
  'user_prop',
  'applicant_name_sealed',
  'applicant_name_masked',
  'applicant_mobile_sealed',
  'applicant_mobile_masked',
  'applicant_cert_sealed',
  'created_at',
];
const SERVICE_COLUMNS = [
  'id',
  'case_id',
  'project_no',
  'service_number',
  'node_name',
  'item_id',
  'department_id',
  'region_code',
  'staff_id',
  'window_id',
  'terminal_id',
  'pro_channel',
  'completed_at',
  'rating_id',
  'created_at',
];
const SERVICE_RATING_ID = SERVICE_COLUMNS.indexOf('rating_id');
const RATING_COLUMNS = ['id', 'service_id', 'case_id', 'level', 'dimensions', 'tags', 'comment', 'channel', 'pf', 'is_default', 'source', 'rated_at'];

function newBuffer() {
  return {
    cases: [] as unknown[][],
    units: [] as unknown[][],
    services: [] as unknown[][],
    ratings: [] as unknown[][],
  };
}

interface PendingService {
  id: number;
  serviceNumber: number;
  staffId: number | null;
  row: unknown[];
  written: boolean;
}

interface PendingCase {
  id: number;
  kind: string;
  batchNo?: string;
  acceptedAt: number;
  units: Array<{ departmentKey: string; itemKey: string }>;
  /** "deptId.itemId;…": with the kind and the staff, identifies the rating's attribution. */
  unitKey: string;
  services: PendingService[];
}

/**
 * Every record of a generated case (its services and ratings) falls within days of its acceptance,
 * so cases older than this are dropped from memory (their unrated services written as they are).
 * A record that still refers to a dropped case stops the seed with an error.
 */
const CASE_HORIZON_MS = 60 * 24 * 3_600_000;

/** Turns generated records into rows (buffered per chunk) and rollup counts. */
class HistoryState {
  readonly pf: Readonly<Record<Channel, number>>;
  caseId = 0;
  serviceId = 0;
  ratingId = 0;
  done = 0;
  buffer = newBuffer();
  readonly rollups = new RollupAccumulator();
  /** Cases by project number, in order of acceptance (the generator emits them in time order). */
  private readonly cases = new Map<string, PendingCase>();
  /** The services of a batch (批量办件) until its one rating covers them all (R10). */
  private readonly batches = new Map<string, PendingService[]>();
  private evictedBefore = -Infinity;
  /**
   * Sealed personal data per generated applicant (the generator reuses a fixed population of
   * invented people): each is encrypted once, with its own random IV, and the sealed values are
   * reused for that person's later cases. Nothing weakens except that equal demo applicants have
   * equal ciphertexts. Demo data only; the live write path seals every value afresh.
   */
  private readonly sealed = new WeakMap<DemoApplicant, [string, string, string, string, string]>();

  constructor(
    private readonly app: SeedDeps,
    private readonly ids: Ids,
  ) {
    this.pf = app.channelCodes;
  }

  add(record: DemoHistoryRecord): void {
    if (record.type === 'case') this.addCase(record);
    else if (record.type === 'service') this.addService(record);
    else this.addRatingRecord(record);
  }

  /** Writes the services that were never rated. */
  finish(): void {
    for (const kase of this.cases.values()) this.release(kase);
    this.cases.clear();
  }

  private caseOf(projectNo: string): PendingCase {
    const kase = this.cases.get(projectNo);
    if (!kase) throw new Error(`seed: record of case ${projectNo} arrived after the case was dropped from memory (CASE_HORIZON_MS in seed.ts)`);
    return kase;
  }

  private addCase(record: DemoCaseRecord): void {
    const { ids } = this;
    const b = this.buffer;
    const id = ++this.caseId;
    const acceptedAt = record.acceptedAt.getTime();
    if (acceptedAt - CASE_HORIZON_MS > this.evictedBefore + 24 * 3_600_000) this.evict(acceptedAt - CASE_HORIZON_MS);
    const a = record.applicant;
    let sealed = this.sealed.get(a);
    if (!sealed) {
      const cipher = this.app.cipher;
      this.sealed.set(a, (sealed = [cipher.encrypt(a.name), maskName(a.name), cipher.encrypt(a.mobile), maskPhone(a.mobile), cipher.encrypt(a.certNo)]));
    }
    let unitKey = '';
    for (const u of record.units) {
      const departmentId = ids.dept.get(u.departmentKey)!.id;
      const itemId = ids.item.get(u.itemKey)!;
      b.units.push([id, departmentId, itemId]);
      unitKey += `${departmentId}.${itemId};`;
    }
    this.cases.set(record.projectNo, { id, kind: record.kind, batchNo: record.batchNo, acceptedAt, units: record.units, unitKey, services: [] });
    b.cases.push([id, record.projectNo, record.kind, record.batchNo ?? null, a.userProp, sealed[0], sealed[1], sealed[2], sealed[3], sealed[4], acceptedAt]);
  }

  private addService(record: DemoServiceRecord): void {
    const { ids } = this;
    const kase = this.caseOf(record.projectNo);
    const id = ++this.serviceId;
    const dept = ids.dept.get(record.departmentKey)!;
    const staffId = record.staffKey ? (ids.staff.get(record.staffKey) ?? null) : null;
    const completedAt = record.completedAt.getTime();
    const row = [
      id,
      kase.id,
      record.projectNo,
      record.serviceNumber,
      record.nodeName,
      ids.item.get(record.itemKey)!,
      dept.id,
      dept.regionCode,
      staffId,
      record.windowKey ? (ids.window.get(record.windowKey) ?? null) : null,
      record.terminalKey ? (ids.terminal.get(record.terminalKey) ?? null) : null,
      record.proChannel,
      completedAt,
      null,
      completedAt,
    ];
    const pending: PendingService = { id, serviceNumber: record.serviceNumber, staffId, row, written: false };
    kase.services.push(pending);
    if (kase.batchNo) {
      const batch = this.batches.get(kase.batchNo);
      if (batch) batch.push(pending);
      else this.batches.set(kase.batchNo, [pending]);
    }
  }

  private addRatingRecord(record: DemoRatingRecord): void {
    const b = this.buffer;
    const kase = this.caseOf(record.projectNo);
    const service = kase.services.find((s) => s.serviceNumber === record.serviceNumber);
    if (!service) throw new Error(`seed: rating of unknown service ${record.projectNo}#${record.serviceNumber}`);
    const id = ++this.ratingId;
    this.done += 1;
    const covered = (kase.batchNo ? this.batches.get(kase.batchNo) : undefined) ?? [service];
    if (kase.batchNo) this.batches.delete(kase.batchNo);
    for (const pending of covered) {
      pending.row[SERVICE_RATING_ID] = id;
      pending.written = true;
      b.services.push(pending.row);
    }
    const ratedAt = record.at.getTime();
    const dimensions = record.dimensions ? JSON.stringify(record.dimensions) : null;
    b.ratings.push([
      id,
      service.id,
      kase.id,
      record.level,
      dimensions,
      record.tags.join(','),
      record.comment ?? null,
      record.channel,
      this.pf[record.channel],
      record.isDefault,
      record.isDefault ? 'job' : 'demo',
      ratedAt,
    ]);
    const staffId = service.staffId;
    this.rollups.addRating(`${kase.kind}|${staffId ?? ''}|${kase.unitKey}`, () => attributionFromUnits(coveredUnits(kase, this.ids), kase.kind, staffId), {
      level: record.level,
      isDefault: record.isDefault,
      channel: record.channel,
      ratedAt,
      tags: record.tags,
      dimensions,
    });
  }

  /** Drops the cases accepted before `before` (Map order is acceptance order), writing their unrated services. */
  private evict(before: number): void {
    for (const [projectNo, kase] of this.cases) {
      if (kase.acceptedAt >= before) break;
      this.release(kase);
      this.cases.delete(projectNo);
    }
    this.evictedBefore = before;
  }

  private release(kase: PendingCase): void {
    for (const s of kase.services) {
      if (s.written) continue;
      s.written = true;
      this.buffer.services.push(s.row);
    }
    if (kase.batchNo) this.batches.delete(kase.batchNo);
  }
}

function coveredUnits(kase: { units: Array<{ departmentKey: string; itemKey: string }> }, ids: Ids) {
  return kase.units.map((u) => {
    const dept = ids.dept.get(u.departmentKey)!;
    return { department_id: dept.id, item_id: ids.item.get(u.itemKey)!, region_code: dept.regionCode, path: dept.path };
  });
}

const MAX_PARAMS = 30_000;

/** Multi-row INSERT in chunks under both databases' parameter limits. */
export async function insertRows(em: Em, table: string, columns: string[], rows: unknown[][]): Promise<void> {
  const per = Math.max(1, Math.floor(MAX_PARAMS / columns.length));
  const placeholder = `(${columns.map(() => '?').join(', ')})`;
  // better-sqlite3 binds no booleans; SQLite stores them as 0/1 anyway.
  const sqlite = !isPostgres(em);
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    await em.execute(
      `insert into ${table} (${columns.join(', ')}) values ${chunk.map(() => placeholder).join(', ')}`,
      chunk.flat().map((v) => (sqlite && typeof v === 'boolean' ? Number(v) : v)),
      'run',
    );
  }
}

/** After inserts with explicit ids, PostgreSQL's sequence must move past them. */
async function resetSequence(em: Em, table: string): Promise<void> {
  if (isPostgres(em)) {
    await em.execute(`select setval(pg_get_serial_sequence('${table}', 'id'), greatest((select max(id) from ${table}), 1))`);
  }
}

function isPostgres(em: Em): boolean {
  return em.getPlatform().constructor.name.startsWith('Postgre');
}

function bulkTarget(app: SeedDeps): { databaseUrl?: string; sqliteFile?: string } {
  if (app.dialect === 'postgresql') return { databaseUrl: app.orm.config.get('clientUrl') };
  return { sqliteFile: app.orm.config.get('dbName') };
}

// ---------------------------------------------------------------------------------------------
// Rollup accumulation for bulk loads
// ---------------------------------------------------------------------------------------------

/*
 * The counters a rating adds are those of `rollupDeltas` (rollup.logic.ts, the one definition). A
 * rating's deltas differ from another's with the same attribution only in period, channel, level,
 * default flag and tags, so the seeder asks `rollupDeltas` once per distinct attribution for the
 * (bucket, scope, grain) slots it produces (a template), and per rating only fills in those values.
 * Keys are numbers — no strings, no objects per delta — in an open-addressing table of typed arrays;
 * a sample of ratings is also expanded by `rollupDeltas` itself and compared, so a change to the
 * rollup rules that the templates cannot express fails the seed loudly instead of miscounting.
 *
 * Key layout (an integer below 2^53, ordered like the tables' primary keys so that a sorted flush
 * walks the index once):
 *   slot   = (bucket × SCOPES + scope) × 4 + grain          bucket C<H, grain A<D<H<M, scope by rank
 *   count  = (slot × PERIODS + period) × 512 + channel × 16 + level × 2 + isDefault
 *   tag    = (slot × PERIODS + period) × 32 × TAGS + channel × TAGS + tag
 * period is 0 (all time), months since year 0, or Shanghai days / hours since the epoch.
 */
const SCOPES = 1 << 17;
const PERIODS = 1 << 20;
const CHANNELS = 32;
const TAGS = 256;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const BUCKETS = ['C', 'H'] as const;
const GRAINS = ['A', 'D', 'H', 'M'] as const satisfies readonly Grain[];
/** Compare 1 rating in SPOT_CHECK_EVERY (and the first SPOT_CHECK_FIRST) with `rollupDeltas`. */
const SPOT_CHECK_EVERY = 4096;
const SPOT_CHECK_FIRST = 2000;
const ROWS_PER_BATCH = 50_000;

interface Template {
  counts: Int32Array;
  tags: Int32Array;
}

/** Strings numbered in order of first use, ranked in byte order when the counters are written. */
class Interned {
  readonly values: string[] = [];
  private readonly index = new Map<string, number>();
  constructor(
    private readonly cap: number,
    private readonly what: string,
  ) {}
  id(value: string): number {
    let i = this.index.get(value);
    if (i === undefined) {
      i = this.values.length;
      if (i >= this.cap) throw new Error(`seed: more than ${this.cap} distinct rollup ${this.what}s`);
      this.values.push(value);
      this.index.set(value, i);
    }
    return i;
  }
  /** rank[id] and byRank[rank] for the byte order of the values (ASCII here, as SQLite's BINARY). */
  ranks(): { rank: Int32Array; byRank: string[] } {
    const byRank = [...this.values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const rank = new Int32Array(this.values.length);
    const where = new Map(byRank.map((v, i) => [v, i]));
    this.values.forEach((v, i) => {
      rank[i] = where.get(v)!;
    });
    return { rank, byRank };
  }
}

/** Sums counter deltas by numeric key in typed arrays, so tens of millions of keys stay small and fast. */
class RollupAccumulator {
  private readonly counts = new CounterTable();
  private readonly tags = new CounterTable();
  private readonly templates = new Map<string, Template>();
  /** Dimension counters (R3): few ratings score dimensions, so a plain map keyed like `rollupDeltas`'s. */
  private readonly dimensions = new Map<string, DimensionDelta>();
  private readonly attributions = new Map<string, Attribution>();
  private readonly scopes = new Interned(SCOPES, 'scope');
  private readonly channels = new Interned(CHANNELS, 'channel');
  private readonly tagCodes = new Interned(TAGS, 'tag');
  /** Periods of the last hour seen, by grain index (ratings arrive in time order). */
  private lastHour = -1;
  private readonly periods = new Float64Array(4);
  private ratings = 0;

  get size(): number {
    return this.counts.size + this.tags.size + this.dimensions.size;
  }

  /** Adds one counted rating whose attribution is identified by `attributionKey` (computed on first use). */
  addRating(attributionKey: string, attribution: () => Attribution, facts: RatingFacts): void {
    let template = this.templates.get(attributionKey);
    let a: Attribution | undefined;
    if (!template) {
      a = attribution();
      this.templates.set(attributionKey, (template = this.templateOf(a)));
    }
    if (!(facts.level >= 0 && facts.level < 8 && Number.isInteger(facts.level))) throw new Error(`seed: level ${facts.level} out of range`);
    const periods = this.periodsOf(facts.ratedAt);
    const channel = this.channels.id(facts.channel);
    const tail = channel * 16 + facts.level * 2 + (facts.isDefault ? 1 : 0);
    const check = this.ratings < SPOT_CHECK_FIRST || this.ratings % SPOT_CHECK_EVERY === 0;
    this.ratings += 1;
    const countKeys = check ? ([] as number[]) : null;
    const tagKeys = check ? ([] as number[]) : null;
    for (let i = 0; i < template.counts.length; i++) {
      const slot = template.counts[i]!;
      const key = (slot * PERIODS + periods[slot & 3]!) * 512 + tail;
      this.counts.add(key, 1);
      countKeys?.push(key);
    }
    if (facts.tags.length > 0) {
      for (const code of facts.tags) {
        const tagTail = channel * TAGS + this.tagCodes.id(code);
        for (let i = 0; i < template.tags.length; i++) {
          const slot = template.tags[i]!;
          const key = (slot * PERIODS + periods[slot & 3]!) * (CHANNELS * TAGS) + tagTail;
          this.tags.add(key, 1);
          tagKeys?.push(key);
        }
      }
    }
    if (check) this.spotCheck(a ?? attribution(), facts, countKeys!, tagKeys!);
    if (facts.dimensions) {
      let full = this.attributions.get(attributionKey);
      if (!full) this.attributions.set(attributionKey, (full = a ?? attribution()));
      for (const d of rollupDeltas(full, facts, 1).dimensions ?? []) {
        const key = dimensionKeyString(d);
        const existing = this.dimensions.get(key);
        if (existing) existing.n += d.n;
        else this.dimensions.set(key, d);
      }
    }
  }

  /** Dimension rows `[bucket, scope, grain, period, channel, dimension, level, n]` in key order, in batches. */
  *dimensionRows(): Generator<unknown[][]> {
    const keys = [...this.dimensions.keys()].sort();
    for (let i = 0; i < keys.length; i += ROWS_PER_BATCH) {
      yield keys.slice(i, i + ROWS_PER_BATCH).map((key) => {
        const d = this.dimensions.get(key)!;
        return [d.bucket, d.scope, d.grain, d.period, d.channel, d.dimension, d.level, d.n];
      });
    }
  }

  /** Count rows `[bucket, scope, grain, period, channel, level, is_default, n]` in key order, in batches. */
  *countRows(): Generator<unknown[][]> {
    const scopes = this.scopes.ranks();
    const channels = this.channels.ranks();
    yield* this.sortedRows(
      this.counts,
      512,
      (tail) => channels.rank[Math.floor(tail / 16)]! * 16 + (tail % 16),
      scopes.rank,
      (slot, period, tail, n) => {
        const { bucket, scope, grain } = decodeSlot(slot, scopes.byRank);
        const level = Math.floor((tail % 16) / 2);
        return [bucket, scope, grain, periodValue(grain, period), channels.byRank[Math.floor(tail / 16)]!, level, tail % 2, n];
      },
    );
  }

  /** Tag rows `[bucket, scope, grain, period, channel, tag, n]` in key order, in batches. */
  *tagRows(): Generator<unknown[][]> {
    const scopes = this.scopes.ranks();
    const channels = this.channels.ranks();
    const tags = this.tagCodes.ranks();
    yield* this.sortedRows(
      this.tags,
      CHANNELS * TAGS,
      (tail) => channels.rank[Math.floor(tail / TAGS)]! * TAGS + tags.rank[tail % TAGS]!,
      scopes.rank,
      (slot, period, tail, n) => {
        const { bucket, scope, grain } = decodeSlot(slot, scopes.byRank);
        return [bucket, scope, grain, periodValue(grain, period), channels.byRank[Math.floor(tail / TAGS)]!, tags.byRank[tail % TAGS]!, n];
      },
    );
  }

  clear(): void {
    this.counts.clear();
    this.tags.clear();
    this.dimensions.clear();
  }

  /**
   * Re-keys every entry with ranks instead of first-use numbers (a bijection), sorts the new keys
   * (a native typed-array sort), and decodes them in order; rows with n = 0 are left out.
   */
  private *sortedRows(
    table: CounterTable,
    tailSize: number,
    rankTail: (tail: number) => number,
    scopeRank: Int32Array,
    row: (slot: number, period: number, tail: number, n: number) => unknown[],
  ): Generator<unknown[][]> {
    const size = table.count();
    const ranked = new Float64Array(size);
    const values = new Float64Array(size);
    // Ranked key → position, through a second table (rank keys are distinct because ranking is a bijection).
    const byRankedKey = new CounterTable(size);
    let j = 0;
    table.forEach((key, n) => {
      const tail = key % tailSize;
      const rest = (key - tail) / tailSize;
      const period = rest % PERIODS;
      const slot = (rest - period) / PERIODS;
      const rankedKey = (rankSlot(slot, scopeRank) * PERIODS + period) * tailSize + rankTail(tail);
      ranked[j] = rankedKey;
      values[j] = n;
      byRankedKey.store(rankedKey, j);
      j += 1;
    });
    ranked.sort();
    let batch: unknown[][] = [];
    for (let i = 0; i < ranked.length; i++) {
      const key = ranked[i]!;
      const n = values[byRankedKey.get(key)]!;
      if (n === 0) continue;
      const tail = key % tailSize;
      const rest = (key - tail) / tailSize;
      const period = rest % PERIODS;
      batch.push(row((rest - period) / PERIODS, period, tail, n));
      if (batch.length >= ROWS_PER_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  }

  private templateOf(a: Attribution): Template {
    // Any facts will do: the slots depend on the attribution only (checked by spotCheck).
    const probe = rollupDeltas(a, { level: 5, isDefault: false, channel: 'PC', ratedAt: 0, tags: ['probe'] }, 1);
    const slotOf = (d: { bucket: string; scope: string; grain: Grain }) => {
      const bucket = BUCKETS.indexOf(d.bucket as (typeof BUCKETS)[number]);
      const grain = GRAINS.indexOf(d.grain as (typeof GRAINS)[number]);
      if (bucket < 0 || grain < 0) throw new Error(`seed: unknown rollup bucket ${d.bucket} or grain ${d.grain}`);
      return (bucket * SCOPES + this.scopes.id(d.scope)) * 4 + grain;
    };
    return { counts: Int32Array.from(probe.counts.map(slotOf)), tags: Int32Array.from(probe.tags.map(slotOf)) };
  }

  /** Period numbers by grain index (A, D, H, M) for a time; recomputed when the hour changes. */
  private periodsOf(ms: number): Float64Array {
    const hour = Math.floor((ms + SHANGHAI_OFFSET_MS) / HOUR_MS);
    if (hour !== this.lastHour) {
      if (!(hour >= 0 && hour < PERIODS)) throw new Error(`seed: rating time ${new Date(ms).toISOString()} out of range`);
      const month = periodOf(ms, 'M');
      this.periods[0] = 0;
      this.periods[1] = Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
      this.periods[2] = hour;
      this.periods[3] = Math.floor(month / 100) * 12 + (month % 100) - 1;
      this.lastHour = hour;
    }
    return this.periods;
  }

  /** The rollup rules, applied the slow way to this rating, must give exactly the keys added. */
  private spotCheck(a: Attribution, facts: RatingFacts, countKeys: number[], tagKeys: number[]): void {
    const expected = rollupDeltas(a, facts, 1);
    const scopes = this.scopes.values;
    const channels = this.channels.values;
    const tags = this.tagCodes.values;
    const got = countKeys.map((key) => {
      const tail = key % 512;
      const rest = (key - tail) / 512;
      const period = rest % PERIODS;
      const { bucket, scope, grain } = decodeSlot((rest - period) / PERIODS, scopes);
      return countKeyString({
        bucket,
        scope,
        grain,
        period: periodValue(grain, period),
        channel: channels[Math.floor(tail / 16)]!,
        level: Math.floor((tail % 16) / 2),
        isDefault: tail % 2 === 1,
      });
    });
    const gotTags = tagKeys.map((key) => {
      const tail = key % (CHANNELS * TAGS);
      const rest = (key - tail) / (CHANNELS * TAGS);
      const period = rest % PERIODS;
      const { bucket, scope, grain } = decodeSlot((rest - period) / PERIODS, scopes);
      return tagKeyString({ bucket, scope, grain, period: periodValue(grain, period), channel: channels[Math.floor(tail / TAGS)]!, tag: tags[tail % TAGS]! });
    });
    const same = (x: string[], y: string[]) => x.length === y.length && [...x].sort().join('\n') === [...y].sort().join('\n');
    if (
      !expected.counts.every((d) => d.n === 1) ||
      !expected.tags.every((d) => d.n === 1) ||
      !same(got, expected.counts.map(countKeyString)) ||
      !same(gotTags, expected.tags.map(tagKeyString))
    ) {
      throw new Error('seed: the bulk rollup expansion disagrees with rollupDeltas (rollup.logic.ts changed?); update RollupAccumulator in seed.ts');
    }
  }
}

function decodeSlot(slot: number, scopeNames: string[]): { bucket: Bucket; scope: string; grain: Grain } {
  const grain = GRAINS[slot & 3]!;
  const rest = slot >>> 2;
  return { bucket: BUCKETS[Math.floor(rest / SCOPES)]!, scope: scopeNames[rest % SCOPES]!, grain };
}

function rankSlot(slot: number, scopeRank: Int32Array): number {
  const rest = slot >>> 2;
  const bucket = Math.floor(rest / SCOPES);
  return ((bucket * SCOPES + scopeRank[rest % SCOPES]!) << 2) | (slot & 3);
}

/** The period number of the rollup tables from the key's compact period. */
function periodValue(grain: Grain, p: number): number {
  switch (grain) {
    case 'A':
      return 0;
    case 'M':
      return Math.floor(p / 12) * 100 + (p % 12) + 1;
    case 'D':
      return periodOf(p * DAY_MS - SHANGHAI_OFFSET_MS, 'D');
    case 'H':
      return periodOf(p * HOUR_MS - SHANGHAI_OFFSET_MS, 'H');
  }
}

/**
 * An open-addressing hash table from non-negative integer keys (below 2^53) to counts, in one typed
 * array of [key, count] pairs: no per-entry objects for the garbage collector, no 2^24-entry Map
 * limit. A small direct-mapped front table (it stays in the CPU cache) absorbs the many repeats of
 * hot keys (whole city, regions, all-time and month rows) and passes an entry on when displaced.
 */
class CounterTable {
  private slots!: Float64Array;
  private mask!: number;
  private stored = 0;
  private readonly front = new Float64Array(2 * FRONT_SIZE).fill(-1);
  private frontCount = 0;

  constructor(expected = 0) {
    this.reset(expected);
  }

  /** Distinct keys (those still in the front table may be counted twice: an upper bound). */
  get size(): number {
    return this.stored + this.frontCount;
  }

  add(key: number, n: number): void {
    const front = this.front;
    const i = (hashKey(key) & FRONT_MASK) << 1;
    const k = front[i]!;
    if (k === key) {
      front[i + 1] += n;
      return;
    }
    if (k === -1) this.frontCount += 1;
    else this.store(k, front[i + 1]!);
    front[i] = key;
    front[i + 1] = n;
  }

  /** Adds straight to the main table (keys seen once, as when re-keying). */
  store(key: number, n: number): void {
    const slots = this.slots;
    let i = (hashKey(key) & this.mask) << 1;
    for (;;) {
      const k = slots[i]!;
      if (k === key) {
        slots[i + 1] += n;
        return;
      }
      if (k === -1) {
        slots[i] = key;
        slots[i + 1] = n;
        if (++this.stored * 2 > slots.length / 2) this.grow();
        return;
      }
      i = (i + 2) & (this.mask * 2 + 1);
    }
  }

  get(key: number): number {
    this.settle();
    const slots = this.slots;
    let i = (hashKey(key) & this.mask) << 1;
    for (;;) {
      const k = slots[i]!;
      if (k === key) return slots[i + 1]!;
      if (k === -1) throw new Error(`seed: counter key ${key} missing`);
      i = (i + 2) & (this.mask * 2 + 1);
    }
  }

  /** Every key and its count (after moving the front table in). */
  forEach(fn: (key: number, n: number) => void): void {
    this.settle();
    const slots = this.slots;
    for (let i = 0; i < slots.length; i += 2) if (slots[i] !== -1) fn(slots[i]!, slots[i + 1]!);
  }

  /** The exact number of distinct keys. */
  count(): number {
    this.settle();
    return this.stored;
  }

  clear(): void {
    this.reset(0);
    this.front.fill(-1);
    this.frontCount = 0;
  }

  private settle(): void {
    if (this.frontCount === 0) return;
    const front = this.front;
    for (let i = 0; i < front.length; i += 2) {
      if (front[i] !== -1) {
        this.store(front[i]!, front[i + 1]!);
        front[i] = -1;
      }
    }
    this.frontCount = 0;
  }

  private reset(expected: number): void {
    let cap = 1 << 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Float64Array(2 * cap).fill(-1);
    this.mask = cap - 1;
    this.stored = 0;
  }

  private grow(): void {
    const old = this.slots;
    this.reset(old.length / 2); // twice the capacity
    for (let i = 0; i < old.length; i += 2) if (old[i] !== -1) this.store(old[i]!, old[i + 1]!);
  }
}

const FRONT_SIZE = 1 << 15;
const FRONT_MASK = FRONT_SIZE - 1;

function hashKey(key: number): number {
  const lo = key >>> 0;
  const hi = (key / 4294967296) >>> 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}
