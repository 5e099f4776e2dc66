import type { App } from '../app.js';
import type { Actor } from '../auth/roles.js';
import { AlreadyRatedError, ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors.js';
import { maskName, maskPhone } from '../common/mask.logic.js';
import type { Em } from '../db/orm.js';
import { DepartmentSchema, ItemSchema, ServiceWindowSchema, StaffSchema, TerminalSchema, type Department, type Item } from '../catalog/catalog.entities.js';
import { explainCreditCode } from '../catalog/credit-code.logic.js';
import { isValidRegionCode } from '../catalog/region.logic.js';
import { CaseSchema, CaseUnitSchema, ServiceSchema, type CaseKind, type Service } from './case.entities.js';

export const CASE_KINDS: readonly CaseKind[] = ['ORDINARY', 'BATCH', 'JOINT', 'THEME', 'CONSULTATION'];

export interface UnitInput { deptCode: string; taskCode: string }

/** A service record as department systems push it (standards.md field names). */
export interface RegisterServiceInput {
  projectNo: string; serviceNumber: number; serviceName: string;
  taskCode: string; deptCode: string; areaCode?: string | null;
  proStatus: number; acceptDate?: Date | null; resultDate?: Date | null;
  caseKind?: CaseKind | null; batchNo?: string | null; units?: UnitInput[] | null;
  userName: string; userProp?: number | null; certKey?: string | null; mobile?: string | null;
  proChannel: number; windowId?: number | null; terminalId?: number | null; staffNo?: string | null;
}

/** R9: registers (or advances) one service node; ratings need it to exist first. */
export async function registerService(app: App, actor: Actor, input: RegisterServiceInput): Promise<Service> {
  validateServiceInput(input);
  const em = app.orm.em.fork() as Em;
  const dept = await departmentByCode(em, input.deptCode);
  if (actor.role === 'system' && !dept.path.startsWith(actor.departmentPath ?? '\0')) {
    throw ForbiddenError.scope(`department ${input.deptCode}`);
  }
  const item = await itemByCode(em, input.taskCode);
  const existing = await em.findOne(ServiceSchema, { projectNo: input.projectNo, serviceNumber: input.serviceNumber });
  if (existing) return advanceService(em, existing, input, item, dept, app.clock.now());
  const refs = await serviceRefs(em, input, dept);
  const now = app.clock.now().getTime();
  return em.transactional(async (tx) => {
    const caseId = await ensureCase(app, tx as Em, input, dept, item, now);
    const service = tx.create(ServiceSchema, {
      caseId, projectNo: input.projectNo, serviceNumber: input.serviceNumber, nodeName: input.serviceName,
      itemId: item.id, departmentId: dept.id, regionCode: input.areaCode ?? dept.regionCode,
      staffId: refs.staffId, windowId: refs.windowId, terminalId: refs.terminalId,
      proChannel: input.proChannel, proStatus: input.proStatus,
      acceptedAt: input.acceptDate?.getTime() ?? null,
      completedAt: input.proStatus === 3 ? (input.resultDate ?? app.clock.now()).getTime() : null,
      ratingId: null, createdAt: now,
    });
    await tx.flush();
    return service;
  });
}

function validateServiceInput(input: RegisterServiceInput): void {
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

/** R25: codes must match the catalog; a mismatch is reported to the sender, never stored half-way. */
export async function departmentByCode(em: Em, code: string): Promise<Department> {
  const problem = explainCreditCode(code);
  if (problem) throw InvalidInputError.field('deptCode', `a valid 18-character unified social credit code (${problem})`, code);
  const dept = await em.findOne(DepartmentSchema, { creditCode: code });
  if (!dept) throw NotFoundError.of('department with credit code', code);
  return dept;
}

async function itemByCode(em: Em, taskCode: string): Promise<Item> {
  const item = await em.findOne(ItemSchema, { taskCode });
  if (!item) throw NotFoundError.of('service item with 实施编码', taskCode);
  return item;
}

async function serviceRefs(em: Em, input: RegisterServiceInput, dept: Department) {
  let staffId: number | null = null;
  if (input.staffNo) {
    const staff = await em.findOne(StaffSchema, { departmentId: dept.id, workNo: input.staffNo });
    if (!staff) throw NotFoundError.of(`staff member of ${dept.name} with 工号`, input.staffNo);
    staffId = staff.id;
  }
  if (input.windowId && !(await em.findOne(ServiceWindowSchema, { id: input.windowId }))) throw NotFoundError.of('window', String(input.windowId));
  if (input.terminalId && !(await em.findOne(TerminalSchema, { id: input.terminalId }))) throw NotFoundError.of('terminal', String(input.terminalId));
  return { staffId, windowId: input.windowId ?? null, terminalId: input.terminalId ?? null };
}

async function ensureCase(app: App, em: Em, input: RegisterServiceInput, dept: Department, item: Item, now: number): Promise<number> {
  const existing = await em.findOne(CaseSchema, { projectNo: input.projectNo });
  const kind = input.caseKind ?? 'ORDINARY';
  if (existing && existing.kind !== kind) {
    throw new ConflictError(`case ${input.projectNo} is a ${existing.kind} case; this service says ${kind}`);
  }
  const kase = existing ?? em.create(CaseSchema, {
    projectNo: input.projectNo, kind, batchNo: input.batchNo ?? null, userProp: input.userProp ?? 1,
    applicantNameSealed: app.cipher.encrypt(input.userName), applicantNameMasked: maskName(input.userName),
    applicantMobileSealed: input.mobile ? app.cipher.encrypt(input.mobile) : null,
    applicantMobileMasked: input.mobile ? maskPhone(input.mobile) : null,
    applicantCertSealed: input.certKey ? app.cipher.encrypt(input.certKey) : null,
    createdAt: now,
  });
  await em.flush();
  const units = [{ departmentId: dept.id, itemId: item.id }];
  for (const unit of input.units ?? []) {
    units.push({ departmentId: (await departmentByCode(em, unit.deptCode)).id, itemId: (await itemByCode(em, unit.taskCode)).id });
  }
  const known = await em.find(CaseUnitSchema, { caseId: kase.id });
  const seen = new Set(known.map((u) => `${u.departmentId}:${u.itemId}`));
  for (const unit of units) {
    if (seen.has(`${unit.departmentId}:${unit.itemId}`)) continue;
    seen.add(`${unit.departmentId}:${unit.itemId}`);
    em.create(CaseUnitSchema, { caseId: kase.id, ...unit });
  }
  await em.flush();
  return kase.id;
}

/** A re-sent service record may only move the service forward (accepted → completed); anything else is a duplicate. */
async function advanceService(em: Em, existing: Service, input: RegisterServiceInput, item: Item, dept: Department, now: Date): Promise<Service> {
  if (existing.itemId !== item.id || existing.departmentId !== dept.id || input.proStatus < existing.proStatus) {
    throw new ConflictError(
      `service ${input.projectNo}#${input.serviceNumber} is already registered with other data (duplicate service record); only its status may advance`,
    );
  }
  if (input.proStatus > existing.proStatus) {
    existing.proStatus = input.proStatus;
    if (input.acceptDate && !existing.acceptedAt) existing.acceptedAt = input.acceptDate.getTime();
    if (input.proStatus === 3 && !existing.completedAt) existing.completedAt = (input.resultDate ?? now).getTime();
    await em.flush();
  }
  return existing;
}

/** R7: a dynamic, single-use, expiring token bound to one service, printed as the receipt QR code. */
export async function issueRatingToken(app: App, actor: Actor, projectNo: string, serviceNumber: number) {
  const em = app.orm.em.fork() as Em;
  const service = await em.findOne(ServiceSchema, { projectNo, serviceNumber });
  if (!service) throw NotFoundError.of('service (没有对应的服务数据)', `${projectNo}#${serviceNumber}`);
  await checkIssuer(em, actor, service);
  if (service.ratingId) throw AlreadyRatedError.service(projectNo, serviceNumber);
  const ttl = app.config.ratingTokenTtlHours * 3600;
  const { token, expiresAt } = await app.tokens.sign('rating', String(service.id), ttl);
  return { token, expiresAt: expiresAt!, path: `/rate?t=${encodeURIComponent(token)}` };
}

async function checkIssuer(em: Em, actor: Actor, service: Service): Promise<void> {
  if (actor.role === 'admin') return;
  if (actor.role === 'device') {
    const own = actor.windowId ? service.windowId === actor.windowId : service.terminalId === actor.terminalId;
    if (!own) throw ForbiddenError.scope('a service not served at this device');
    return;
  }
  const dept = await em.findOneOrFail(DepartmentSchema, { id: service.departmentId });
  if (!dept.path.startsWith(actor.departmentPath ?? '\0')) throw ForbiddenError.scope('another department\'s service');
}
