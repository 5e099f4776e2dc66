import type { Actor } from '../common/actor.js';
import type { TokenService } from '../auth/tokens.js';
import { taggedMobileIndex, type PiiCipher } from '../common/crypto.js';
import type { RateLimits } from '../common/rate-limit.js';
import type { Kernel } from '../common/kernel.js';
import { AlreadyRatedError, ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors.js';
import { maskName, maskPhone } from '../common/mask.logic.js';
import type { EntitySchema } from '@mikro-orm/core';
import { mapDatabaseError } from '../db/errors.js';
import type { Database, Em } from '../db/orm.js';
import { insertRow, rowReader, type Sql } from '../db/sql.js';
import type { GroupRunner } from '../db/group-commit.js';
import { checkBatchSize, runBatch, type BatchOutcome } from '../db/batch.js';
import {
  DepartmentSchema,
  ItemSchema,
  ServiceWindowSchema,
  StaffSchema,
  TerminalSchema,
  type Department,
  type Item,
  type Staff,
} from '../catalog/catalog.entities.js';
import { explainCreditCode } from '../catalog/credit-code.logic.js';
import { isValidRegionCode } from '../catalog/region.logic.js';
import { type ServiceWithRefs } from './case.view.js';
import { catalogFindings, requireFields, timelineFindings, type FindingDraft } from '../quality/quality.logic.js';
import { keepRefusal, storeFindings, type QualityDeps } from '../quality/quality.service.js';
import { CaseSchema, CaseUnitSchema, ServiceSchema, type CaseKind, type Service } from './case.entities.js';

export const CASE_KINDS: readonly CaseKind[] = ['ORDINARY', 'BATCH', 'JOINT', 'THEME', 'CONSULTATION'];

export interface UnitInput {
  deptCode: string;
  taskCode: string;
}

/** A service record as department systems push it (the interface record's field names, docs/exchange.md). */
export interface RegisterServiceInput {
  projectNo: string;
  serviceNumber: number;
  serviceName: string;
  taskCode: string;
  deptCode: string;
  areaCode?: string | null;
  proStatus: number;
  acceptDate?: Date | null;
  resultDate?: Date | null;
  caseKind?: CaseKind | null;
  batchNo?: string | null;
  units?: UnitInput[] | null;
  userName: string;
  userProp?: number | null;
  certKey?: string | null;
  mobile?: string | null;
  proChannel: number;
  windowId?: number | null;
  terminalId?: number | null;
  staffNo?: string | null;
  /** 业务办理项编码, item name and department name as the sender has them: compared with the catalog, never stored (R25). */
  taskHandleItem?: string | null;
  taskName?: string | null;
  deptName?: string | null;
}

/**
 * A registered service with the rows its view shows, read while registering (no second round trip),
 * and what the record did: a new service, a status advanced, or nothing (a resend).
 */
export type RegisteredService = ServiceWithRefs & { outcome: 'CREATED' | 'UPDATED' | 'UNCHANGED' };

/** A service stored or advanced, as the after-store hooks see it (inside the registration's transaction). */
export interface StoredService {
  service: Service;
  item: Item;
  department: Department;
  input: RegisterServiceInput;
}

/** Runs inside the registration's transaction when a service is stored or its status advances (the exchange outbox, R26). */
export type ServiceHook = (tx: Em, sql: Sql, stored: StoredService) => Promise<void>;

/** What registering services and issuing rating tokens need. */
export interface CaseDeps extends Kernel, Database, QualityDeps {
  readonly cipher: PiiCipher;
  readonly tokens: TokenService;
  readonly groupCommit: GroupRunner;
  /** Run in order inside the transaction of every new or advanced service (the root gives the exchange's here). */
  readonly serviceHooks?: readonly ServiceHook[];
  /** Per-key limits on issuing rating tokens (shared through Redis when configured). */
  readonly rateLimits: RateLimits;
}

/**
 * R9: registers (or advances) one service node; ratings need it to exist first. Registrations share
 * the ratings' group commit: department systems push records in bursts, and one fsync per record
 * would cap them far below the rate ratings arrive at.
 */
export async function registerService(app: CaseDeps, actor: Actor, input: RegisterServiceInput): Promise<RegisteredService> {
  try {
    requireFields(input as unknown as Record<string, unknown>, REQUIRED_FIELDS);
    validateServiceInput(input);
    try {
      return await app.groupCommit.run(async (tx, sql) => ({ value: await register(app, new CaseRows(tx, sql), actor, input) }));
    } catch (err) {
      // Another record of the same case or service committed at the same moment (several servers, or
      // PostgreSQL groups side by side): nothing was stored; sent again, it joins or advances that one.
      throw mapDatabaseError(
        err,
        () =>
          new ConflictError(`case ${input.projectNo} was being registered by another request at the same moment; nothing was stored, send this record again`),
      );
    }
  } catch (err) {
    // R25: a refused record is kept as a quality finding, in a transaction of its own.
    await keepRefusal(app, err, { source: 'service', recordKey: `${input.projectNo}#${input.serviceNumber}`, actor, departmentId: null }, { ...input });
    throw err;
  }
}

const REQUIRED_FIELDS = ['projectNo', 'serviceName', 'taskCode', 'deptCode', 'userName'] as const;

/** R25: what the record says that disagrees with the catalog or with itself; the record keeps the catalog's values. */
async function recordFindings(db: CaseRows, input: RegisterServiceInput, item: Item, department: Department): Promise<FindingDraft[]> {
  const itemDept =
    item.departmentId === department.id ? department : await db.one(DepartmentSchema, 'select * from department where id = ?', [item.departmentId]);
  const drafts = [
    ...catalogFindings(input, item, department, itemDept),
    ...timelineFindings(input.acceptDate?.getTime() ?? null, input.resultDate?.getTime() ?? null),
  ];
  if (input.areaCode && !(await db.sql.all('select code from region where code = ?', [input.areaCode])).length) {
    drafts.push({
      kind: 'REGION_UNKNOWN',
      field: 'areaCode',
      given: input.areaCode,
      expected: `a region of the catalog (the department's is ${department.regionCode})`,
      message: `region code ${input.areaCode} does not exist in the catalog`,
    });
  }
  return drafts;
}

async function register(app: CaseDeps, db: CaseRows, actor: Actor, input: RegisterServiceInput): Promise<RegisteredService> {
  const department = await db.departmentByCode(input.deptCode);
  if (actor.role === 'system' && !department.path.startsWith(actor.departmentPath ?? '\0')) {
    throw ForbiddenError.scope(`department ${input.deptCode}`);
  }
  const item = await db.itemByCode(input.taskCode);
  const findings = await recordFindings(db, input, item, department);
  const source = { source: 'service' as const, recordKey: `${input.projectNo}#${input.serviceNumber}`, actor, departmentId: department.id };
  const existing = await db.one(ServiceSchema, 'select * from service where project_no = ? and service_number = ?', [input.projectNo, input.serviceNumber]);
  // A resend that changes nothing adds no findings either (they were kept the first time).
  if (!existing || input.proStatus > existing.proStatus) await storeFindings(db.em, db.sql, findings, source, app.clock.now().getTime());
  if (existing) {
    const [kase, refs] = [await db.one(CaseSchema, 'select * from case_record where id = ?', [existing.caseId]), await storedRefs(db, existing)];
    const service = await advanceService(db, existing, input, item, department, app.clock.now());
    const outcome = service === existing ? 'UNCHANGED' : 'UPDATED';
    if (service !== existing) await runServiceHooks(app, db, { service, item, department, input });
    return { service, kind: kase!.kind, item, department, ...refs, outcome };
  }
  const refs = await serviceRefs(db, input, department);
  const now = app.clock.now().getTime();
  const caseId = await ensureCase(app, db, input, department, item, now);
  const row: Omit<Service, 'id'> = {
    caseId,
    projectNo: input.projectNo,
    serviceNumber: input.serviceNumber,
    nodeName: input.serviceName,
    itemId: item.id,
    departmentId: department.id,
    regionCode: input.areaCode ?? department.regionCode,
    staffId: refs.staff?.id ?? null,
    windowId: refs.window?.id ?? null,
    terminalId: refs.terminal?.id ?? null,
    proChannel: input.proChannel,
    proStatus: input.proStatus,
    acceptedAt: input.acceptDate?.getTime() ?? null,
    completedAt: input.proStatus === 3 ? (input.resultDate?.getTime() ?? now) : null,
    ratingId: null,
    createdAt: now,
  };
  const service = { id: await db.insert(ServiceSchema, row), ...row };
  await runServiceHooks(app, db, { service, item, department, input });
  return { service, kind: input.caseKind ?? 'ORDINARY', item, department, ...refs, outcome: 'CREATED' };
}

async function runServiceHooks(app: CaseDeps, db: CaseRows, stored: StoredService): Promise<void> {
  for (const hook of app.serviceHooks ?? []) await hook(db.em, db.sql, stored);
}

function validateServiceInput(input: RegisterServiceInput): void {
  if (input.caseKind && !CASE_KINDS.includes(input.caseKind)) throw InvalidInputError.field('caseKind', CASE_KINDS.join(', '), input.caseKind);
  if (!/^[\w-]{1,50}$/.test(input.projectNo)) throw InvalidInputError.field('projectNo', '1–50 letters, digits, - or _', input.projectNo);
  if (!Number.isInteger(input.serviceNumber) || input.serviceNumber < 1 || input.serviceNumber > 99) {
    throw InvalidInputError.field('serviceNumber', 'an integer 1–99', input.serviceNumber);
  }
  if (![1, 2, 3].includes(input.proStatus)) throw InvalidInputError.field('proStatus', '1 (awaiting), 2 (accepted) or 3 (completed)', input.proStatus);
  if (![1, 2].includes(input.proChannel)) throw InvalidInputError.field('proChannel', '1 (online) or 2 (offline)', input.proChannel);
  if (input.areaCode && !isValidRegionCode(input.areaCode)) throw InvalidInputError.field('areaCode', 'a 12-digit region code', input.areaCode);
  if (!input.userName.trim() || input.userName.length > 30) throw InvalidInputError.field('userName', '1–30 characters', input.userName);
  if (input.mobile && !/^1\d{10}$/.test(input.mobile)) throw InvalidInputError.field('mobile', 'an 11-digit mobile number starting with 1', input.mobile);
  if (input.caseKind === 'BATCH' && !input.batchNo) throw InvalidInputError.field('batchNo', 'given for a batch case (批量办件)', input.batchNo);
  if (!input.serviceName.trim()) throw InvalidInputError.field('serviceName', 'the node name', input.serviceName);
}

/**
 * R8: a department system's batch of service records (at most BATCH_MAX), each answered on its own
 * (created, unchanged, updated or refused with its code); one refused record never refuses the
 * others. Records join the group commit together; records of one case run in batch order.
 */
export async function registerServices(app: CaseDeps, actor: Actor, inputs: readonly RegisterServiceInput[]): Promise<BatchOutcome<RegisteredService>[]> {
  checkBatchSize(inputs.length, 'service records');
  return runBatch(
    inputs,
    (input) => `case:${input.projectNo}`,
    async (input) => {
      const registered = await registerService(app, actor, input);
      return { status: registered.outcome, value: registered };
    },
  );
}

/** Catalog and case rows, read and written with plain SQL on the group's transaction. */
class CaseRows {
  constructor(
    readonly em: Em,
    readonly sql: Sql,
  ) {}

  async one<T extends object>(schema: EntitySchema<T>, text: string, params: unknown[]): Promise<T | null> {
    const [row] = await this.sql.all(text, params);
    return row ? rowReader(this.em, schema)(row) : null;
  }

  async all<T extends object>(schema: EntitySchema<T>, text: string, params: unknown[]): Promise<T[]> {
    const read = rowReader(this.em, schema);
    return (await this.sql.all(text, params)).map(read);
  }

  insert<T extends { id: number }>(schema: EntitySchema<T>, row: Omit<T, 'id'>): Promise<number> {
    return insertRow(this.em, this.sql, schema, row);
  }

  /** R25: codes must match the catalog; a mismatch is reported to the sender, never stored half-way. */
  async departmentByCode(code: string): Promise<Department> {
    const problem = explainCreditCode(code);
    if (problem) throw InvalidInputError.field('deptCode', `a valid 18-character unified social credit code (${problem})`, code);
    const dept = await this.one(DepartmentSchema, 'select * from department where credit_code = ?', [code]);
    if (!dept) throw NotFoundError.of('department with credit code', code);
    return dept;
  }

  async itemByCode(taskCode: string): Promise<Item> {
    const item = await this.one(ItemSchema, 'select * from item where task_code = ?', [taskCode]);
    if (!item) throw NotFoundError.of('service item with 实施编码', taskCode);
    return item;
  }
}

async function serviceRefs(db: CaseRows, input: RegisterServiceInput, dept: Department) {
  let staff: Staff | null = null;
  if (input.staffNo) {
    staff = await db.one(StaffSchema, 'select * from staff where department_id = ? and work_no = ?', [dept.id, input.staffNo]);
    if (!staff) throw NotFoundError.of(`staff member of ${dept.name} with 工号`, input.staffNo);
  }
  const window = input.windowId ? await db.one(ServiceWindowSchema, 'select * from service_window where id = ?', [input.windowId]) : null;
  if (input.windowId && !window) throw NotFoundError.of('window', String(input.windowId));
  const terminal = input.terminalId ? await db.one(TerminalSchema, 'select * from terminal where id = ?', [input.terminalId]) : null;
  if (input.terminalId && !terminal) throw NotFoundError.of('terminal', String(input.terminalId));
  return { staff, window, terminal };
}

/** The staff member, window and terminal an already registered service points at. */
async function storedRefs(db: CaseRows, service: Service) {
  return {
    staff: service.staffId ? await db.one(StaffSchema, 'select * from staff where id = ?', [service.staffId]) : null,
    window: service.windowId ? await db.one(ServiceWindowSchema, 'select * from service_window where id = ?', [service.windowId]) : null,
    terminal: service.terminalId ? await db.one(TerminalSchema, 'select * from terminal where id = ?', [service.terminalId]) : null,
  };
}

async function ensureCase(app: CaseDeps, db: CaseRows, input: RegisterServiceInput, dept: Department, item: Item, now: number): Promise<number> {
  const existing = await db.one(CaseSchema, 'select * from case_record where project_no = ?', [input.projectNo]);
  const kind = input.caseKind ?? 'ORDINARY';
  if (existing && existing.kind !== kind) {
    throw new ConflictError(`case ${input.projectNo} is a ${existing.kind} case; this service says ${kind}`);
  }
  const caseId =
    existing?.id ??
    (await db.insert(CaseSchema, {
      projectNo: input.projectNo,
      kind,
      batchNo: input.batchNo ?? null,
      userProp: input.userProp ?? 1,
      applicantNameSealed: app.cipher.encrypt(input.userName),
      applicantNameMasked: maskName(input.userName),
      applicantMobileSealed: input.mobile ? app.cipher.encrypt(input.mobile) : null,
      applicantMobileMasked: input.mobile ? maskPhone(input.mobile) : null,
      applicantMobileHash: input.mobile ? taggedMobileIndex(app.cipher, input.mobile) : null,
      applicantCertSealed: input.certKey ? app.cipher.encrypt(input.certKey) : null,
      createdAt: now,
    }));
  const units = [{ departmentId: dept.id, itemId: item.id }];
  for (const unit of input.units ?? []) {
    units.push({ departmentId: (await db.departmentByCode(unit.deptCode)).id, itemId: (await db.itemByCode(unit.taskCode)).id });
  }
  const known = existing ? await db.all(CaseUnitSchema, 'select * from case_unit where case_id = ?', [caseId]) : [];
  const seen = new Set(known.map((u) => `${u.departmentId}:${u.itemId}`));
  for (const unit of units) {
    if (seen.has(`${unit.departmentId}:${unit.itemId}`)) continue;
    seen.add(`${unit.departmentId}:${unit.itemId}`);
    await db.insert(CaseUnitSchema, { caseId, ...unit });
  }
  return caseId;
}

/** A re-sent service record may only move the service forward (accepted → completed); anything else is a duplicate. */
async function advanceService(db: CaseRows, existing: Service, input: RegisterServiceInput, item: Item, dept: Department, now: Date): Promise<Service> {
  if (existing.itemId !== item.id || existing.departmentId !== dept.id || input.proStatus < existing.proStatus) {
    throw new ConflictError(
      `service ${input.projectNo}#${input.serviceNumber} is already registered with other data (duplicate service record); only its status may advance`,
    );
  }
  if (input.proStatus <= existing.proStatus) return existing;
  const advanced: Service = {
    ...existing,
    proStatus: input.proStatus,
    acceptedAt: existing.acceptedAt ?? input.acceptDate?.getTime() ?? null,
    completedAt: input.proStatus === 3 && !existing.completedAt ? (input.resultDate ?? now).getTime() : existing.completedAt,
  };
  await db.sql.run('update service set pro_status = ?, accepted_at = ?, completed_at = ? where id = ?', [
    advanced.proStatus,
    advanced.acceptedAt,
    advanced.completedAt,
    existing.id,
  ]);
  return advanced;
}

/** R7: a dynamic, single-use, expiring token bound to one service, printed as the receipt QR code. */
export async function issueRatingToken(app: CaseDeps, actor: Actor, projectNo: string, serviceNumber: number) {
  const em = app.orm.em.fork() as Em;
  const service = await em.findOne(ServiceSchema, { projectNo, serviceNumber });
  if (!service) throw NotFoundError.of('service (没有对应的服务数据)', `${projectNo}#${serviceNumber}`);
  await checkIssuer(em, actor, service);
  if (service.ratingId) throw AlreadyRatedError.service(projectNo, serviceNumber);
  const ttl = app.config.ratingTokenTtlHours * 3600;
  // `iby`: who issued it (R18: bursts of top ratings through one issuer's tokens are a fraud signal).
  const { token, expiresAt } = await app.tokens.sign('rating', String(service.id), ttl, { iby: actor.label });
  return { token, expiresAt: expiresAt!, path: `/rate?t=${encodeURIComponent(token)}`, qrPath: `/qr/${token}.svg` };
}

async function checkIssuer(em: Em, actor: Actor, service: Service): Promise<void> {
  if (actor.role === 'admin') return;
  if (actor.role === 'device') {
    const own = actor.windowId ? service.windowId === actor.windowId : service.terminalId === actor.terminalId;
    if (!own) throw ForbiddenError.scope('a service not served at this device');
    return;
  }
  const dept = await em.findOneOrFail(DepartmentSchema, { id: service.departmentId });
  if (!dept.path.startsWith(actor.departmentPath ?? '\0')) throw ForbiddenError.scope("another department's service");
}
