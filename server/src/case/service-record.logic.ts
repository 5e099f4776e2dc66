import { readRecord } from '../common/record-value.js';
import type { CaseKind } from './case.entities.js';
import type { RegisterServiceInput } from './case.service.js';

const UNITS = 'a list of { deptCode, taskCode }';

/**
 * R8: one service record (办件) of a batch, as a department system sends it (registerServices,
 * `POST /api/v1/services`), read field by field: times as ISO 8601 or `yyyy-MM-dd HH:mm:ss` (Beijing
 * time); lenient (`/api/v1`): numbers may come as digit strings. A missing required field or a value of the wrong type
 * throws BAD_USER_INPUT naming the field, which refuses this record only. Pure.
 */
export function serviceRecordInput(record: Readonly<Record<string, unknown>>, options: { lenient: boolean }): RegisterServiceInput {
  const r = readRecord(record, options);
  return {
    projectNo: r.text('projectNo', true)!,
    serviceNumber: r.int('serviceNumber', true)!,
    serviceName: r.text('serviceName', true)!,
    taskCode: r.text('taskCode', true)!,
    deptCode: r.text('deptCode', true)!,
    areaCode: r.text('areaCode'),
    proStatus: r.int('proStatus', true)!,
    acceptDate: r.time('acceptDate'),
    resultDate: r.time('resultDate'),
    caseKind: (r.text('caseKind') as CaseKind | null) ?? null,
    batchNo: r.text('batchNo'),
    units: r.objects('units', UNITS, (u) => ({ deptCode: u.text('deptCode', true)!, taskCode: u.text('taskCode', true)! })),
    userName: r.text('userName', true)!,
    userProp: r.int('userProp'),
    certKey: r.text('certKey'),
    mobile: r.text('mobile'),
    proChannel: r.int('proChannel', true)!,
    windowId: r.int('windowId'),
    terminalId: r.int('terminalId'),
    staffNo: r.text('staffNo'),
    taskHandleItem: r.text('taskHandleItem'),
    taskName: r.text('taskName'),
    deptName: r.text('deptName'),
  };
}
