import type { Em } from '../db/orm.js';
import { DepartmentSchema, ItemSchema, ServiceWindowSchema, StaffSchema, TerminalSchema } from '../catalog/catalog.entities.js';
import { CaseSchema, type Service } from './case.entities.js';
import type { ServiceView } from './case.types.js';

/** What a rating page, device or department system may see of a service: no applicant data. */
export async function toServiceView(em: Em, service: Service): Promise<ServiceView> {
  const [kase, item, dept, staff, window, terminal] = await Promise.all([
    em.findOneOrFail(CaseSchema, { id: service.caseId }),
    em.findOneOrFail(ItemSchema, { id: service.itemId }),
    em.findOneOrFail(DepartmentSchema, { id: service.departmentId }),
    service.staffId ? em.findOne(StaffSchema, { id: service.staffId }) : null,
    service.windowId ? em.findOne(ServiceWindowSchema, { id: service.windowId }) : null,
    service.terminalId ? em.findOne(TerminalSchema, { id: service.terminalId }) : null,
  ]);
  return {
    id: service.id, projectNo: service.projectNo, serviceNumber: service.serviceNumber, nodeName: service.nodeName,
    caseKind: kase.kind, itemName: item.name, taskCode: item.taskCode, departmentName: dept.name,
    staffWorkNo: staff?.workNo ?? null, staffName: staff?.name ?? null, windowNo: window?.no ?? null,
    terminalNo: terminal?.no ?? null, proStatus: service.proStatus,
    completedAt: service.completedAt ? new Date(service.completedAt) : null, rated: service.ratingId !== null,
  };
}
