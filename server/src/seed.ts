/**
 * Demo data: the invented city of seeds/demo-city.ts written into an empty database, with demo
 * accounts and a rating history. Bulk inserts with ids assigned here, and the rollups added from
 * the same records, so ten million ratings load in minutes and the counters are exact.
 */
import type { App } from './app.js';
import { createApiKey, createUser } from './auth/auth.service.js';
import { DepartmentSchema } from './catalog/catalog.entities.js';
import { maskName, maskPhone } from './common/mask.logic.js';
import { log } from './common/logger.js';
import type { Em } from './db/orm.js';
import { MetaSchema } from './db/meta.entity.js';
import { pfCodes, type Channel } from './rating/channel.logic.js';
import { attributionFromUnits } from './rating/attribution.store.js';
import { countKeyString, rollupDeltas, tagKeyString, type CountDelta, type TagDelta } from './stats/rollup.logic.js';
import { openBulkWriter } from './db/bulk-writer.js';
import { generateDemoCatalog, generateDemoHistory, type DemoCatalog, type DemoHistoryRecord } from '../../seeds/demo-city.js';

/** Demo accounts, printed at start and listed in the README. Demo only: never use on real data. */
export const DEMO_CREDENTIALS = {
  admin: { username: 'admin', password: 'demo-admin' },
  supervisor: { username: 'supervisor', password: 'demo-supervisor' },
  officer: { username: 'officer', password: 'demo-officer' },
  systemKey: 'hcp_demo_system_key',
  windowKey: 'hcp_demo_window_key',
};

export interface SeedOptions { ratings: number; days?: number; endAt?: Date; onProgress?: (done: number, total: number) => void }

export async function seedDemoIfEmpty(app: App): Promise<boolean> {
  const em = app.orm.em.fork() as Em;
  if ((await em.count(DepartmentSchema, {})) > 0) return false;
  const started = Date.now();
  await seedDemo(app, { ratings: app.config.seedRatings });
  log.info('demo data seeded (演示数据: invented city 河清市)', { ratings: app.config.seedRatings, ms: Date.now() - started });
  printCredentials();
  return true;
}

export function printCredentials(): void {
  const c = DEMO_CREDENTIALS;
  process.stdout.write([
    '', 'Demo credentials (演示数据, invented; see README):',
    `  admin       ${c.admin.username} / ${c.admin.password}`,
    `  supervisor  ${c.supervisor.username} / ${c.supervisor.password}   (whole city)`,
    `  officer     ${c.officer.username} / ${c.officer.password}   (河清市公安局 and its sub-units)`,
    `  system key  ${c.systemKey}   (x-api-key of 河清市公安局's business system)`,
    `  window key  ${c.windowKey}   (x-api-key of window evaluator 1)`, '',
  ].join('\n'));
}

interface PendingService { id: number; caseId: number; staffId: number | null; row: unknown[] }

interface Ids { dept: Map<string, { id: number; path: string; regionCode: string }>; item: Map<string, number>; staff: Map<string, number>; window: Map<string, number>; terminal: Map<string, number>; hall: Map<string, number> }

export async function seedDemo(app: App, options: SeedOptions): Promise<void> {
  const catalog = generateDemoCatalog();
  const em = app.orm.em.fork() as Em;
  const ids = await em.transactional((tx) => writeCatalog(tx as Em, catalog));
  await writeAccounts(app, em, ids, catalog);
  await writeHistory(app, catalog, ids, options);
  await em.upsertMany(MetaSchema, [{ key: 'demo', value: 'true' }, { key: 'siteName', value: `${catalog.city.name}（演示数据）` }]);
}

async function writeCatalog(em: Em, c: DemoCatalog): Promise<Ids> {
  await insertRows(em, 'region', ['code', 'name', 'level', 'parent_code'], c.regions.map((r) => [r.code, r.name, r.level, r.parentCode]));
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
  await insertRows(em, 'hall', ['id', 'name', 'region_code'], c.halls.map((h, i) => (ids.hall.set(h.key, i + 1), [i + 1, h.name, h.regionCode])));
  await insertRows(em, 'service_window', ['id', 'hall_id', 'no', 'name', 'department_id'], c.windows.map((w, i) => (
    ids.window.set(w.key, i + 1), [i + 1, ids.hall.get(w.hallKey)!, w.no, w.name, ids.dept.get(w.departmentKey)!.id])));
  await insertRows(em, 'terminal', ['id', 'hall_id', 'no', 'name'], c.terminals.map((t, i) => (
    ids.terminal.set(t.key, i + 1), [i + 1, ids.hall.get(t.hallKey)!, t.no, t.name])));
  await insertRows(em, 'staff', ['id', 'department_id', 'work_no', 'name', 'window_id'], c.staff.map((s, i) => (
    ids.staff.set(s.key, i + 1), [i + 1, ids.dept.get(s.departmentKey)!.id, s.workNo, s.name, ids.window.get(s.windowKey) ?? null])));
  await insertRows(em, 'item', ['id', 'task_code', 'handle_item_code', 'name', 'item_type', 'department_id'], c.items.map((it, i) => (
    ids.item.set(it.key, i + 1), [i + 1, it.taskCode, it.handleItemCode, it.name, it.itemType, ids.dept.get(it.departmentKey)!.id])));
  for (const table of ['department', 'hall', 'service_window', 'terminal', 'staff', 'item']) await resetSequence(em, table);
  return ids;
}

async function writeAccounts(app: App, em: Em, ids: Ids, c: DemoCatalog): Promise<void> {
  const now = app.clock.now().getTime();
  const cred = DEMO_CREDENTIALS;
  const police = c.departments.find((d) => d.name.includes('公安局') && !d.parentKey && d.regionCode === c.city.code) ?? c.departments[0]!;
  const policeId = ids.dept.get(police.key)!.id;
  await createUser(em, { ...cred.admin, role: 'admin', displayName: '系统管理员（演示）' }, now);
  await createUser(em, { ...cred.supervisor, role: 'supervisor', displayName: `${c.city.name}政务服务和大数据管理局（演示）`, regionCode: c.city.code }, now);
  await createUser(em, { ...cred.officer, role: 'department', displayName: `${police.name}经办人（演示）`, departmentId: policeId }, now);
  await createApiKey(em, { role: 'system', name: `${police.name}业务系统（演示）`, departmentId: policeId, secret: cred.systemKey }, now);
  await createApiKey(em, { role: 'device', name: '窗口评价器 1（演示）', windowId: 1, secret: cred.windowKey }, now);
}

/** Streams the generated history into the database in transactions of CHUNK ratings. */
async function writeHistory(app: App, c: DemoCatalog, ids: Ids, options: SeedOptions): Promise<void> {
  const CHUNK = 5000;
  const pf = pfCodes();
  const endAt = options.endAt ?? app.clock.now();
  const state = { caseId: 0, serviceId: 0, ratingId: 0, done: 0 };
  const cases = new Map<string, { id: number; kind: string; batchNo?: string; units: Array<{ departmentKey: string; itemKey: string }> }>();
  // Service rows wait in memory until their rating arrives, so they are written once, already claimed.
  const services = new Map<string, PendingService>();
  const batches = new Map<string, PendingService[]>();
  let buffer = newBuffer();

  const writer = await openBulkWriter(bulkTarget(app));
  // Counters are summed in memory across chunks (most keys repeat) and written when the map grows
  // large and at the end; the database is not served while it is being seeded.
  const ROLLUP_FLUSH_KEYS = 1_500_000;
  const rollups = new RollupAccumulator();
  const flushRollups = () => writer.transaction(async () => {
    await writer.addCounts('rollup_count', ['bucket', 'scope', 'grain', 'period', 'channel', 'level', 'is_default'], rollups.countRows());
    await writer.addCounts('rollup_tag', ['bucket', 'scope', 'grain', 'period', 'channel', 'tag'], rollups.tagRows());
    rollups.clear();
  });
  const flush = async () => {
    const b = buffer;
    buffer = newBuffer();
    await writer.transaction(async () => {
      await writer.insert('case_record', ['id', 'project_no', 'kind', 'batch_no', 'user_prop', 'applicant_name_sealed', 'applicant_name_masked', 'applicant_mobile_sealed', 'applicant_mobile_masked', 'applicant_cert_sealed', 'created_at'], b.cases);
      await writer.insert('case_unit', ['case_id', 'department_id', 'item_id'], b.units);
      await writer.insert('service', ['id', 'case_id', 'project_no', 'service_number', 'node_name', 'item_id', 'department_id', 'region_code', 'staff_id', 'window_id', 'terminal_id', 'pro_channel', 'pro_status', 'accepted_at', 'completed_at', 'rating_id', 'created_at'], b.services);
      await writer.insert('rating', ['id', 'service_id', 'case_id', 'assess_number', 'level', 'dimensions', 'tags', 'comment', 'channel', 'pf', 'is_default', 'valid', 'invalid_reason', 'rater_name_sealed', 'rater_name_masked', 'rater_mobile_sealed', 'rater_mobile_masked', 'source', 'token_id', 'actor_id', 'rated_at'], b.ratings);
    });
    if (rollups.size > ROLLUP_FLUSH_KEYS) await flushRollups();

    options.onProgress?.(state.done, options.ratings);
  };

  for (const record of generateDemoHistory(c, { ratings: options.ratings, endAt, days: options.days })) {
    addRecord(app, record, ids, state, cases, services, batches, buffer, pf, rollups);
    if (buffer.ratings.length >= CHUNK) {
      try {
        await flush();
      } catch (err) {
        await writer.close();
        throw err;
      }
    }
  }
  for (const pending of services.values()) buffer.services.push(pending.row);
  try {
    await flush();
    await flushRollups();
  } finally {
    await writer.close();
  }
  for (const table of ['case_record', 'service', 'rating']) await resetSequence(app.orm.em.fork() as Em, table);
}

function newBuffer() {
  return {
    cases: [] as unknown[][], units: [] as unknown[][], services: [] as unknown[][], ratings: [] as unknown[][],
  };
}

function addRecord(
  app: App, record: DemoHistoryRecord, ids: Ids, state: { caseId: number; serviceId: number; ratingId: number; done: number },
  cases: Map<string, { id: number; kind: string; batchNo?: string; units: Array<{ departmentKey: string; itemKey: string }> }>,
  services: Map<string, PendingService>, batches: Map<string, PendingService[]>,
  b: ReturnType<typeof newBuffer>, pf: Record<Channel, number>, rollups: RollupAccumulator,
): void {
  if (record.type === 'case') {
    const id = ++state.caseId;
    const a = record.applicant;
    cases.set(record.projectNo, { id, kind: record.kind, batchNo: record.batchNo, units: record.units });
    b.cases.push([id, record.projectNo, record.kind, record.batchNo ?? null, a.userProp, app.cipher.encrypt(a.name), maskName(a.name),
      app.cipher.encrypt(a.mobile), maskPhone(a.mobile), app.cipher.encrypt(a.certNo), record.acceptedAt.getTime()]);
    for (const u of record.units) b.units.push([id, ids.dept.get(u.departmentKey)!.id, ids.item.get(u.itemKey)!]);
    return;
  }
  if (record.type === 'service') {
    const kase = cases.get(record.projectNo)!;
    const id = ++state.serviceId;
    const dept = ids.dept.get(record.departmentKey)!;
    const staffId = record.staffKey ? ids.staff.get(record.staffKey) ?? null : null;
    const pending: PendingService = { id, caseId: kase.id, staffId, row: [] };
    services.set(`${record.projectNo}#${record.serviceNumber}`, pending);
    if (kase.batchNo) batches.set(kase.batchNo, [...(batches.get(kase.batchNo) ?? []), pending]);
    pending.row = [id, kase.id, record.projectNo, record.serviceNumber, record.nodeName, ids.item.get(record.itemKey)!, dept.id, dept.regionCode,
      staffId, record.windowKey ? ids.window.get(record.windowKey) ?? null : null, record.terminalKey ? ids.terminal.get(record.terminalKey) ?? null : null,
      record.proChannel, 3, null, record.completedAt.getTime(), null, record.completedAt.getTime()];
    return;
  }
  const service = services.get(`${record.projectNo}#${record.serviceNumber}`)!;
  const kase = cases.get(record.projectNo)!;
  const id = ++state.ratingId;
  state.done += 1;
  const covered = kase.batchNo ? batches.get(kase.batchNo) ?? [service] : [service];
  if (kase.batchNo) batches.delete(kase.batchNo);
  for (const pending of covered) {
    pending.row[15] = id;
    b.services.push(pending.row);
    services.delete(`${String(pending.row[2])}#${String(pending.row[3])}`);
  }
  const ratedAt = record.at.getTime();
  b.ratings.push([id, service.id, kase.id, 1, record.level, record.dimensions ? JSON.stringify(record.dimensions) : null, record.tags.join(','),
    record.comment ?? null, record.channel, pf[record.channel], record.isDefault, true, null, null, null, null, null,
    record.isDefault ? 'job' : 'demo', null, null, ratedAt]);
  const units = coveredUnits(kase, cases, ids);
  const attribution = attributionFromUnits(units, kase.kind, service.staffId);
  const deltas = rollupDeltas(attribution, { level: record.level, isDefault: record.isDefault, channel: record.channel, ratedAt, tags: record.tags }, 1);
  rollups.add(deltas.counts, deltas.tags);
}

function coveredUnits(kase: { units: Array<{ departmentKey: string; itemKey: string }> }, _cases: unknown, ids: Ids) {
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
    await em.execute(`insert into ${table} (${columns.join(', ')}) values ${chunk.map(() => placeholder).join(', ')}`,
      chunk.flat().map((v) => (sqlite && typeof v === 'boolean' ? Number(v) : v)), 'run');
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

function bulkTarget(app: App): { databaseUrl?: string; sqliteFile?: string } {
  if (app.dialect === 'postgresql') return { databaseUrl: app.orm.config.get('clientUrl') };
  return { sqliteFile: app.orm.config.get('dbName') };
}

/** Sums counter deltas by key string, holding numbers only, so millions of keys stay small. */
class RollupAccumulator {
  private readonly counts = new Map<string, number>();
  private readonly tags = new Map<string, number>();

  get size(): number {
    return this.counts.size + this.tags.size;
  }

  add(counts: CountDelta[], tags: TagDelta[]): void {
    for (const d of counts) {
      const key = countKeyString(d);
      this.counts.set(key, (this.counts.get(key) ?? 0) + d.n);
    }
    for (const d of tags) {
      const key = tagKeyString(d);
      this.tags.set(key, (this.tags.get(key) ?? 0) + d.n);
    }
  }

  countRows(): unknown[][] {
    return [...this.counts].map(([key, n]) => {
      const [bucket, scope, grain, period, channel, level, isDefault] = key.split('|');
      return [bucket, scope, grain, Number(period), channel, Number(level), Number(isDefault), n];
    });
  }

  tagRows(): unknown[][] {
    return [...this.tags].map(([key, n]) => {
      const [bucket, scope, grain, period, channel, tag] = key.split('|');
      return [bucket, scope, grain, Number(period), channel, tag, n];
    });
  }

  clear(): void {
    this.counts.clear();
    this.tags.clear();
  }
}
