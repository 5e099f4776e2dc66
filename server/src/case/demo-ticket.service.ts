import type { Actor } from '../common/actor.js';
import { ForbiddenError, NotFoundError, RateLimitedError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { MetaSchema } from '../db/meta.entity.js';
import { DepartmentSchema, ItemSchema, ServiceWindowSchema } from '../catalog/catalog.entities.js';
import { issueRatingToken, registerService, type CaseDeps } from './case.service.js';
import { demoProjectNo, demoTryRefusal, type DemoTryLimiter } from './demo-ticket.logic.js';

/** What "try a rating" needs beyond registering services: the per-process limiter. */
export interface DemoTicketDeps extends CaseDeps {
  readonly demoTries: DemoTryLimiter;
}

/** A demo service and its receipt rating token (R7), as the home page shows it. */
export interface DemoTicket {
  projectNo: string;
  serviceNumber: number;
  itemName: string;
  departmentName: string;
  token: string;
  path: string;
  expiresAt: Date;
}

/**
 * Demo data only: registers an invented, completed service at the first hall window's department,
 * as that department's business system would, and issues its receipt token, so that a newcomer can
 * rate it and watch the rating arrive on the big screen. Refused in production and on real data.
 */
export async function tryDemoRating(app: DemoTicketDeps): Promise<DemoTicket> {
  const em = app.orm.em.fork() as Em;
  const demo = (await em.findOne(MetaSchema, { key: 'demo' }))?.value === 'true';
  const refusal = demoTryRefusal({ production: app.config.production, demo });
  if (refusal) throw new ForbiddenError(refusal);
  const now = app.clock.now();
  if (!app.demoTries.take(now.getTime())) throw RateLimitedError.perMinute('tries of a demo rating', app.demoTries.limit);

  const window = await em.findOne(ServiceWindowSchema, { departmentId: { $ne: null } }, { orderBy: { id: 'asc' } });
  const department = window ? await em.findOne(DepartmentSchema, { id: window.departmentId! }) : null;
  const item = department ? await em.findOne(ItemSchema, { departmentId: department.id }, { orderBy: { id: 'asc' } }) : null;
  if (!department || !item) throw NotFoundError.of('demo hall window with a department and an item', 'for try-a-rating');
  const actor: Actor = { role: 'system', label: 'demo:try-a-rating', departmentId: department.id, departmentPath: department.path };
  const projectNo = demoProjectNo(now.getTime());
  await registerService(app, actor, {
    projectNo,
    serviceNumber: 1,
    serviceName: '办结',
    taskCode: item.taskCode,
    deptCode: department.creditCode,
    proStatus: 3,
    resultDate: now,
    userName: '演示用户',
    userProp: 1,
    proChannel: 2,
  });
  const { token, path, expiresAt } = await issueRatingToken(app, actor, projectNo, 1);
  return { projectNo, serviceNumber: 1, itemName: item.name, departmentName: department.name, token, path, expiresAt };
}
