import { DomainError, InvalidInputError } from '../common/errors.js';

/**
 * R25 数据质检: the kinds of finding, and the pure checks that produce them. A record that only
 * disagrees is accepted with the catalog's values; one that cannot be placed is refused, and the
 * refusal is kept as a finding too.
 */
export const FINDING_KINDS = [
  'ITEM_CODE_UNKNOWN',
  'HANDLE_ITEM_MISMATCH',
  'ITEM_NAME_MISMATCH',
  'DEPT_NAME_MISMATCH',
  'DEPT_CODE_UNKNOWN',
  'ITEM_DEPT_MISMATCH',
  'CREDIT_CODE_INVALID',
  'REGION_UNKNOWN',
  'COMPLETED_BEFORE_ACCEPTANCE',
  'RATED_BEFORE_COMPLETION',
  'MISSING_FIELD',
  'RECORD_REFUSED',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

/** What a check found, before the service adds who, when and which record. */
export interface FindingDraft {
  kind: FindingKind;
  field: string;
  given: string | null;
  expected: string | null;
  message: string;
}

/** What a service record says about its item and department, beside the codes. */
export interface SentNames {
  taskHandleItem?: string | null;
  taskName?: string | null;
  deptName?: string | null;
}

interface CatalogItem {
  handleItemCode: string;
  name: string;
  departmentId: number;
}
interface CatalogDepartment {
  id: number;
  name: string;
  creditCode: string;
}

/** Names and codes the sender gave that disagree with the catalog (the record keeps the catalog's). */
export function catalogFindings(sent: SentNames, item: CatalogItem, dept: CatalogDepartment, itemDept: CatalogDepartment | null): FindingDraft[] {
  const out: FindingDraft[] = [];
  const differs = (given: string | null | undefined, expected: string) => given != null && given.trim() !== '' && given.trim() !== expected;
  if (differs(sent.taskHandleItem, item.handleItemCode)) {
    out.push(mismatch('HANDLE_ITEM_MISMATCH', 'taskHandleItem', sent.taskHandleItem!, item.handleItemCode, '业务办理项编码'));
  }
  if (differs(sent.taskName, item.name)) out.push(mismatch('ITEM_NAME_MISMATCH', 'taskName', sent.taskName!, item.name, 'item name'));
  if (differs(sent.deptName, dept.name)) out.push(mismatch('DEPT_NAME_MISMATCH', 'deptName', sent.deptName!, dept.name, 'department name'));
  if (item.departmentId !== dept.id) {
    const owner = itemDept?.creditCode ?? `department ${item.departmentId}`;
    out.push({
      kind: 'ITEM_DEPT_MISMATCH',
      field: 'deptCode',
      given: dept.creditCode,
      expected: owner,
      message: `the catalog lists this item under ${itemDept?.name ?? owner} (${owner}), not under ${dept.name} (${dept.creditCode})`,
    });
  }
  return out;
}

function mismatch(kind: FindingKind, field: string, given: string, expected: string, what: string): FindingDraft {
  return {
    kind,
    field,
    given,
    expected,
    message: `${what} ${JSON.stringify(given)} disagrees with the catalog's ${JSON.stringify(expected)}; the catalog's is kept`,
  };
}

/** A service completed before it was accepted (resultDate earlier than acceptDate). */
export function timelineFindings(acceptedAt: number | null, completedAt: number | null): FindingDraft[] {
  if (acceptedAt == null || completedAt == null || completedAt >= acceptedAt) return [];
  return [
    {
      kind: 'COMPLETED_BEFORE_ACCEPTANCE',
      field: 'resultDate',
      given: new Date(completedAt).toISOString(),
      expected: `not before acceptDate ${new Date(acceptedAt).toISOString()}`,
      message: 'the service was completed before it was accepted',
    },
  ];
}

/** A rating stored for a service not completed yet (accepted, or completing later than the rating). */
export function ratedBeforeCompletion(service: { proStatus: number; completedAt: number | null }, ratedAt: number): FindingDraft | null {
  if (service.completedAt != null && service.completedAt <= ratedAt) return null;
  return {
    kind: 'RATED_BEFORE_COMPLETION',
    field: 'proStatus',
    given: String(service.proStatus),
    expected: service.completedAt != null ? `rated after ${new Date(service.completedAt).toISOString()}` : '3 (completed) before the rating',
    message: 'the service was rated before it was completed',
  };
}

/** Throws MISSING_FIELD-shaped BAD_USER_INPUT for the first required field left empty. */
export function requireFields(record: Record<string, unknown>, fields: readonly string[]): void {
  for (const field of fields) {
    const value = record[field];
    if (value == null || (typeof value === 'string' && value.trim() === '')) {
      throw new InvalidInputError(`${field} is required and was empty`, { field, missing: true });
    }
  }
}

/** The finding a refusal is kept as: its kind follows from the error's code and details. */
export function refusalFinding(err: unknown): FindingDraft & { code: string } {
  const code = err instanceof DomainError ? err.code : 'INTERNAL_SERVER_ERROR';
  const details = (err instanceof DomainError ? err.details : undefined) ?? {};
  const field = typeof details.field === 'string' ? details.field : '';
  const what = typeof details.what === 'string' ? details.what : '';
  const key = typeof details.key === 'string' ? details.key : null;
  const message = (err instanceof Error ? err.message : String(err)).slice(0, 480);
  const given = typeof details.given === 'string' ? details.given : key;
  let kind: FindingKind = 'RECORD_REFUSED';
  if (details.missing === true || (code === 'BAD_USER_INPUT' && / must be given\b/.test(message))) kind = 'MISSING_FIELD';
  else if (field === 'deptCode' || field === 'units.deptCode') kind = 'CREDIT_CODE_INVALID';
  else if (field === 'areaCode') kind = 'REGION_UNKNOWN';
  else if (code === 'NOT_FOUND' && what.includes('实施编码')) kind = 'ITEM_CODE_UNKNOWN';
  else if (code === 'NOT_FOUND' && what.startsWith('department')) kind = 'DEPT_CODE_UNKNOWN';
  else if (code === 'RATING_WINDOW_CLOSED' && /not been accepted/.test(message)) kind = 'RATED_BEFORE_COMPLETION';
  return {
    kind,
    code,
    field: field || (kind === 'ITEM_CODE_UNKNOWN' ? 'taskCode' : kind === 'DEPT_CODE_UNKNOWN' ? 'deptCode' : ''),
    given,
    expected: null,
    message: `refused (${code}): ${message}`,
  };
}
