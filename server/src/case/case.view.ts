import type { Em } from '../db/orm.js';
import {
  DepartmentSchema,
  ItemSchema,
  ServiceWindowSchema,
  StaffSchema,
  TerminalSchema,
  type Department,
  type Item,
  type ServiceWindow,
  type Staff,
  type Terminal,
} from '../catalog/catalog.entities.js';
import { CaseSchema, type CaseKind, type Service } from './case.entities.js';
import type { BatchRecordResult, BatchStatusEnum, ServiceView } from './case.types.js';
import { checkBatchSize, type BatchOutcome } from '../db/batch.js';
import { DomainError, InvalidInputError } from '../common/errors.js';

/** A service with the rows its view names. */
export interface ServiceWithRefs {
  service: Service;
  kind: CaseKind;
  item: Item;
  department: Department;
  staff: Staff | null;
  window: ServiceWindow | null;
  terminal: Terminal | null;
}

/** What a rating page, device or department system may see of a service: no applicant data. */
export async function toServiceView(em: Em, service: Service): Promise<ServiceView> {
  const [kase, item, department, staff, window, terminal] = await Promise.all([
    em.findOneOrFail(CaseSchema, { id: service.caseId }),
    em.findOneOrFail(ItemSchema, { id: service.itemId }),
    em.findOneOrFail(DepartmentSchema, { id: service.departmentId }),
    service.staffId ? em.findOne(StaffSchema, { id: service.staffId }) : null,
    service.windowId ? em.findOne(ServiceWindowSchema, { id: service.windowId }) : null,
    service.terminalId ? em.findOne(TerminalSchema, { id: service.terminalId }) : null,
  ]);
  return serviceView({ service, kind: kase.kind, item, department, staff, window, terminal });
}

export function serviceView({ service, kind, item, department, staff, window, terminal }: ServiceWithRefs): ServiceView {
  return {
    id: service.id,
    projectNo: service.projectNo,
    serviceNumber: service.serviceNumber,
    nodeName: service.nodeName,
    caseKind: kind,
    itemName: item.name,
    taskCode: item.taskCode,
    departmentName: department.name,
    staffWorkNo: staff?.workNo ?? null,
    staffName: staff?.name ?? null,
    windowNo: window?.no ?? null,
    terminalNo: terminal?.no ?? null,
    proStatus: service.proStatus,
    completedAt: service.completedAt ? new Date(service.completedAt) : null,
    rated: service.ratingId !== null,
  };
}

/** The per-record answers of a batch, for GraphQL and /api/v1 alike: keys of the record as sent, our id if stored. */
export function batchRecords<R>(
  outcomes: readonly BatchOutcome<R>[],
  sent: readonly { projectNo?: unknown; serviceNumber?: unknown }[],
  idOf: (value: R) => number,
): BatchRecordResult[] {
  return outcomes.map((o) => {
    const record = sent[o.index] ?? {};
    return {
      index: o.index,
      status: o.status as BatchStatusEnum,
      code: o.code,
      message: o.message,
      id: o.value === null ? null : idOf(o.value),
      projectNo: typeof record.projectNo === 'string' ? record.projectNo : null,
      serviceNumber: typeof record.serviceNumber === 'number' && Number.isInteger(record.serviceNumber) ? record.serviceNumber : null,
    };
  });
}

/**
 * R8: a batch as it was sent. Refuses more than BATCH_MAX whole; reads every record (`convert`; a record
 * that cannot be read, e.g. a field missing or of the wrong type, is refused on its own with its code),
 * hands the readable ones to the feature's batch, and answers all of them in the order sent.
 */
export async function answerBatch<I, R>(
  records: readonly unknown[],
  convert: (record: Record<string, unknown>) => I,
  run: (inputs: I[]) => Promise<BatchOutcome<R>[]>,
  idOf: (value: R) => number,
  what: string,
): Promise<BatchRecordResult[]> {
  checkBatchSize(records.length, what);
  const outcomes: BatchOutcome<R>[] = new Array(records.length);
  const readable: { index: number; input: I }[] = [];
  records.forEach((record, index) => {
    try {
      if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new InvalidInputError('each record must be an object');
      readable.push({ index, input: convert(record as Record<string, unknown>) });
    } catch (err) {
      const e = err instanceof DomainError ? err : new InvalidInputError('the record could not be read');
      outcomes[index] = { index, status: 'REFUSED', code: e.code, message: e.message, value: null };
    }
  });
  const done = readable.length ? await run(readable.map((r) => r.input)) : [];
  done.forEach((outcome) => {
    const index = readable[outcome.index]!.index;
    outcomes[index] = { ...outcome, index };
  });
  return batchRecords(outcomes, records as { projectNo?: unknown; serviceNumber?: unknown }[], idOf);
}
