import type { Readable } from 'node:stream';
import type { Database, Em } from '../../db/orm.js';
import { insertRow, sqlOf, type Sql } from '../../db/sql.js';
import { DepartmentSchema, HallSchema, ServiceWindowSchema, StaffSchema, type Department, type ServiceWindow, type Staff } from '../catalog.entities.js';
import { formatOf, readRows, type ImportEncoding, type ImportFormat, type RawRow } from './import-format.logic.js';
import {
  IMPORT_KINDS,
  RowError,
  keyOf,
  validateRow,
  type DepartmentRow,
  type HallRow,
  type ImportKind,
  type ItemRow,
  type RegionRow,
  type Rejection,
  type StaffRow,
  type WindowRow,
} from './import-rows.logic.js';

/**
 * R4, R25: imports a catalog file in ONE transaction. Rows are read as a stream and applied in batches;
 * every rejected row is reported (row, column, code, message). By default a file with any rejected
 * row stores nothing (fix the rows, import again); `skipRejected` stores the valid rows. Re-importing
 * the same file changes nothing: rows are matched on their keys (region code, credit code, hall
 * region + name, window hall + number, staff department + 工号, 实施编码) and only differences are written.
 */
export interface ImportFile {
  fileName: string;
  /** The first bytes (format and encoding sniffing). */
  head: Buffer;
  open(): Readable;
}

export interface ImportOptions {
  format?: ImportFormat | null;
  encoding?: ImportEncoding | null;
  kind?: ImportKind | null;
  dryRun?: boolean;
  skipRejected?: boolean;
  onProgress?: (progress: { rows: number; bytes: number }) => void;
}

export interface KindCounts {
  kind: ImportKind;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface ImportReport {
  fileName: string;
  format: ImportFormat;
  rows: number;
  kinds: KindCounts[];
  rejectedCount: number;
  /** The first MAX_LISTED rejected rows (rejectedCount has them all). */
  rejected: Rejection[];
  dryRun: boolean;
  /** Whether the changes were stored (false for a dry run, or a file with rejected rows without skipRejected). */
  committed: boolean;
}

const MAX_LISTED = 10_000;
const BATCH = 500;
const ROLLBACK = Symbol('rollback');

export async function importCatalog(db: Database, file: ImportFile, options: ImportOptions = {}): Promise<ImportReport> {
  const format = options.format ?? formatOf(file.fileName, file.head);
  const report: ImportReport = {
    fileName: file.fileName,
    format,
    rows: 0,
    kinds: [],
    rejectedCount: 0,
    rejected: [],
    dryRun: !!options.dryRun,
    committed: false,
  };
  const counts = new Map<ImportKind, KindCounts>();
  let bytes = 0;
  const em = db.orm.em.fork() as Em;
  try {
    await em.transactional(async (tx) => {
      const sql = await sqlOf(tx as Em);
      const state = await CatalogState.load(tx as Em, sql);
      const apply = new Applier(tx as Em, sql, db.dialect === 'postgresql', state, (kind) => {
        let c = counts.get(kind);
        if (!c) counts.set(kind, (c = { kind, created: 0, updated: 0, unchanged: 0, rejected: 0 }));
        return c;
      });
      let batch: RawRow[] = [];
      const flush = async () => {
        for (const r of await apply.batch(batch)) {
          report.rejectedCount++;
          if (report.rejected.length < MAX_LISTED) report.rejected.push(r);
        }
        report.rows += batch.length;
        batch = [];
        options.onProgress?.({ rows: report.rows, bytes });
      };
      const rows = readRows(() => file.open(), file.head, file.fileName, { ...options, format, onBytes: (n) => (bytes = n) });
      for await (const raw of rows) {
        if (batch.length && (batch.length >= BATCH || batch[0]!.kind !== raw.kind)) await flush();
        batch.push(raw);
      }
      if (batch.length) await flush();
      if (options.dryRun || (report.rejectedCount > 0 && !options.skipRejected)) throw ROLLBACK;
    });
    report.committed = true;
  } catch (err) {
    if (err !== ROLLBACK) throw err;
  }
  report.kinds = IMPORT_KINDS.filter((k) => counts.has(k)).map((k) => counts.get(k)!);
  return report;
}

/** The stored catalog the rows are matched against (items are looked up per batch: there can be many). */
class CatalogState {
  regions = new Map<string, { name: string; level: string; parentCode: string | null }>();
  departments = new Map<string, Department>();
  departmentsById = new Map<number, Department>();
  halls = new Map<string, number>();
  windows = new Map<string, ServiceWindow>();
  staff = new Map<string, Staff>();

  static async load(em: Em, sql: Sql): Promise<CatalogState> {
    const s = new CatalogState();
    for (const r of await sql.all<{ code: string; name: string; level: string; parent_code: string | null }>(
      'select code, name, level, parent_code from region',
    )) {
      s.regions.set(r.code, { name: r.name, level: r.level, parentCode: r.parent_code });
    }
    for (const d of await em.find(DepartmentSchema, {})) s.addDepartment(d);
    for (const h of await em.find(HallSchema, {})) s.halls.set(`${h.regionCode}|${h.name}`, h.id);
    for (const w of await em.find(ServiceWindowSchema, {})) s.windows.set(`${w.hallId}|${w.no}`, w);
    for (const st of await em.find(StaffSchema, {})) s.staff.set(`${st.departmentId}|${st.workNo}`, st);
    em.clear();
    return s;
  }

  addDepartment(d: Department): void {
    this.departments.set(d.creditCode, d);
    this.departmentsById.set(d.id, d);
  }
}

type Outcome = 'created' | 'updated' | 'unchanged';

class Applier {
  private readonly seen = new Map<ImportKind, Set<string>>();

  constructor(
    private readonly em: Em,
    private readonly sql: Sql,
    /** PostgreSQL inserts a batch as arrays (`unnest`): one short statement instead of thousands of parameters. */
    private readonly arrays: boolean,
    private readonly state: CatalogState,
    private readonly countsOf: (kind: ImportKind) => KindCounts,
  ) {}

  /** Applies rows of one kind; returns the rejected ones. */
  async batch(rows: RawRow[]): Promise<Rejection[]> {
    const rejected: Rejection[] = [];
    const valid: Array<{ raw: RawRow; row: unknown }> = [];
    const kind = rows[0]!.kind;
    const counts = this.countsOf(kind);
    let seen = this.seen.get(kind);
    if (!seen) this.seen.set(kind, (seen = new Set()));
    const reject = (raw: RawRow, column: string, code: Rejection['code'], message: string) => {
      counts.rejected++;
      rejected.push({ kind: raw.kind, row: raw.row, column, code, message: raw.sheet && raw.sheet !== raw.kind ? `[${raw.sheet}] ${message}` : message });
    };
    for (const raw of rows) {
      if (raw.problem) {
        reject(raw, raw.problem.column, 'INVALID_VALUE', raw.problem.message);
        continue;
      }
      try {
        const row = validateRow(kind, raw.values);
        const key = keyOf(kind, row);
        if (seen.has(key))
          throw new RowError(KEY_COLUMN[kind], 'DUPLICATE_ROW', `a row with the same key (${key.replace(/\|/g, ' / ')}) appears earlier in the file`);
        seen.add(key);
        valid.push({ raw, row });
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
        reject(raw, err.column, err.code, err.message);
      }
    }
    if (kind === 'items') {
      await this.items(valid as Array<{ raw: RawRow; row: ItemRow }>, counts, reject);
      return rejected.sort((a, b) => a.row - b.row);
    }
    for (const { raw, row } of valid) {
      try {
        counts[await this.one(kind, row)]++;
      } catch (err) {
        if (!(err instanceof RowError)) throw err;
        reject(raw, err.column, err.code, err.message);
      }
    }
    return rejected;
  }

  private one(kind: ImportKind, row: unknown): Promise<Outcome> {
    switch (kind) {
      case 'regions':
        return this.region(row as RegionRow);
      case 'departments':
        return this.department(row as DepartmentRow);
      case 'halls':
        return this.hall(row as HallRow);
      case 'windows':
        return this.window(row as WindowRow);
      default:
        return this.staffRow(row as StaffRow);
    }
  }

  private needRegion(code: string, column: string): void {
    if (!this.state.regions.has(code)) throw new RowError(column, 'UNKNOWN_REFERENCE', `region ${code} is neither in the catalog nor earlier in the file`);
  }

  private needDepartment(code: string, column: string): Department {
    const d = this.state.departments.get(code);
    if (!d) throw new RowError(column, 'UNKNOWN_REFERENCE', `department ${code} is neither in the catalog nor earlier in the file`);
    return d;
  }

  private needHall(regionCode: string, name: string, column: string): number {
    const id = this.state.halls.get(`${regionCode}|${name}`);
    if (id === undefined)
      throw new RowError(column, 'UNKNOWN_REFERENCE', `hall ${JSON.stringify(name)} of region ${regionCode} is neither in the catalog nor earlier in the file`);
    return id;
  }

  private async region(row: RegionRow): Promise<Outcome> {
    if (row.parentCode) this.needRegion(row.parentCode, 'parentCode');
    const known = this.state.regions.get(row.code);
    this.state.regions.set(row.code, { name: row.name, level: row.level, parentCode: row.parentCode });
    if (!known) {
      await this.sql.run('insert into region (code, name, level, parent_code) values (?, ?, ?, ?)', [row.code, row.name, row.level, row.parentCode]);
      return 'created';
    }
    if (known.name === row.name && known.level === row.level && known.parentCode === row.parentCode) return 'unchanged';
    await this.sql.run('update region set name = ?, level = ?, parent_code = ? where code = ?', [row.name, row.level, row.parentCode, row.code]);
    return 'updated';
  }

  private async department(row: DepartmentRow): Promise<Outcome> {
    this.needRegion(row.regionCode, 'regionCode');
    const parent = row.parentCreditCode ? this.needDepartment(row.parentCreditCode, 'parentCreditCode') : null;
    const known = this.state.departments.get(row.creditCode);
    if (!known) {
      const id = await insertRow(this.em, this.sql, DepartmentSchema, {
        creditCode: row.creditCode,
        name: row.name,
        regionCode: row.regionCode,
        parentId: parent?.id ?? null,
        path: '',
      });
      const path = `${parent?.path ?? '/'}${id}/`;
      await this.sql.run('update department set path = ? where id = ?', [path, id]);
      this.state.addDepartment({ id, creditCode: row.creditCode, name: row.name, regionCode: row.regionCode, parentId: parent?.id ?? null, path });
      return 'created';
    }
    if ((parent?.id ?? null) !== known.parentId) {
      throw new RowError(
        'parentCreditCode',
        'CONFLICT',
        `department ${row.creditCode} sits under another parent in the catalog; the import does not move departments`,
      );
    }
    if (known.name === row.name && known.regionCode === row.regionCode) return 'unchanged';
    await this.sql.run('update department set name = ?, region_code = ? where id = ?', [row.name, row.regionCode, known.id]);
    this.state.addDepartment({ ...known, name: row.name, regionCode: row.regionCode });
    return 'updated';
  }

  private async hall(row: HallRow): Promise<Outcome> {
    this.needRegion(row.regionCode, 'regionCode');
    if (this.state.halls.has(`${row.regionCode}|${row.name}`)) return 'unchanged';
    const id = await insertRow(this.em, this.sql, HallSchema, { name: row.name, regionCode: row.regionCode });
    this.state.halls.set(`${row.regionCode}|${row.name}`, id);
    return 'created';
  }

  private async window(row: WindowRow): Promise<Outcome> {
    const hallId = this.needHall(row.hallRegionCode, row.hallName, 'hallName');
    const departmentId = row.deptCode ? this.needDepartment(row.deptCode, 'deptCode').id : null;
    const known = this.state.windows.get(`${hallId}|${row.no}`);
    if (!known) {
      const fresh = { hallId, no: row.no, name: row.name, departmentId };
      const id = await insertRow(this.em, this.sql, ServiceWindowSchema, fresh);
      this.state.windows.set(`${hallId}|${row.no}`, { id, ...fresh });
      return 'created';
    }
    if (known.name === row.name && known.departmentId === departmentId) return 'unchanged';
    await this.sql.run('update service_window set name = ?, department_id = ? where id = ?', [row.name, departmentId, known.id]);
    this.state.windows.set(`${hallId}|${row.no}`, { ...known, name: row.name, departmentId });
    return 'updated';
  }

  private async staffRow(row: StaffRow): Promise<Outcome> {
    const dept = this.needDepartment(row.deptCode, 'deptCode');
    let windowId: number | null = null;
    if (row.windowNo) {
      const hallId = this.needHall(row.hallRegionCode!, row.hallName!, 'hallName');
      const window = this.state.windows.get(`${hallId}|${row.windowNo}`);
      if (!window)
        throw new RowError(
          'windowNo',
          'UNKNOWN_REFERENCE',
          `window ${row.windowNo} of hall ${JSON.stringify(row.hallName)} is neither in the catalog nor earlier in the file`,
        );
      windowId = window.id;
    }
    const key = `${dept.id}|${row.workNo}`;
    const known = this.state.staff.get(key);
    if (!known) {
      const fresh = { departmentId: dept.id, workNo: row.workNo, name: row.name, windowId };
      const id = await insertRow(this.em, this.sql, StaffSchema, fresh);
      this.state.staff.set(key, { id, ...fresh });
      return 'created';
    }
    if (known.name === row.name && known.windowId === windowId) return 'unchanged';
    await this.sql.run('update staff set name = ?, window_id = ? where id = ?', [row.name, windowId, known.id]);
    this.state.staff.set(key, { ...known, name: row.name, windowId });
    return 'updated';
  }

  /** Items in one batch: one lookup for the batch's codes, one multi-row insert for the new ones. */
  private async items(
    valid: Array<{ raw: RawRow; row: ItemRow }>,
    counts: KindCounts,
    reject: (raw: RawRow, column: string, code: Rejection['code'], message: string) => void,
  ): Promise<void> {
    if (!valid.length) return;
    const existing = new Map<string, { id: number; handle_item_code: string; name: string; item_type: string; department_id: number }>();
    const codes = valid.map((v) => v.row.taskCode);
    type Found = { id: number; task_code: string; handle_item_code: string; name: string; item_type: string; department_id: number };
    const lookup = `select id, task_code, handle_item_code, name, item_type, department_id from item where task_code in (${codes.map(() => '?').join(', ')})`;
    // On PostgreSQL unnamed (planned with this batch's values): a named statement keeps the plan made
    // while the table was still empty, a sequential scan, and the import slows down as the table grows.
    const found = this.arrays ? await this.em.execute<Found[]>(lookup, codes) : await this.sql.all<Found>(lookup, codes);
    for (const f of found) existing.set(f.task_code, f);
    const inserts: unknown[][] = [];
    for (const { raw, row } of valid) {
      const dept = this.state.departments.get(row.deptCode);
      if (!dept) {
        reject(raw, 'deptCode', 'UNKNOWN_REFERENCE', `department ${row.deptCode} is neither in the catalog nor earlier in the file`);
        continue;
      }
      const known = existing.get(row.taskCode);
      if (!known) {
        inserts.push([row.taskCode, row.handleItemCode, row.name, row.itemType, dept.id]);
        counts.created++;
      } else if (
        known.handle_item_code === row.handleItemCode &&
        known.name === row.name &&
        known.item_type === row.itemType &&
        Number(known.department_id) === dept.id
      ) {
        counts.unchanged++;
      } else {
        await this.sql.run('update item set handle_item_code = ?, name = ?, item_type = ?, department_id = ? where id = ?', [
          row.handleItemCode,
          row.name,
          row.itemType,
          dept.id,
          known.id,
        ]);
        counts.updated++;
      }
    }
    if (inserts.length && this.arrays) {
      await this.sql.run(
        'insert into item (task_code, handle_item_code, name, item_type, department_id) select * from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::int[])',
        [0, 1, 2, 3, 4].map((i) => inserts.map((row) => row[i])),
      );
    } else if (inserts.length) {
      await this.sql.run(
        `insert into item (task_code, handle_item_code, name, item_type, department_id) values ${inserts.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
        inserts.flat(),
      );
    }
  }
}

const KEY_COLUMN: Readonly<Record<ImportKind, string>> = {
  regions: 'code',
  departments: 'creditCode',
  halls: 'name',
  windows: 'no',
  staff: 'workNo',
  items: 'taskCode',
};
