import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import type { CaseDeps } from './case.service.js';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { DepartmentSchema } from '../catalog/catalog.entities.js';
import { isWithinRegion } from '../catalog/region.logic.js';
import { ServiceSchema, type CaseKind } from './case.entities.js';
import { CASE_KINDS, issueRatingToken, registerService, registerServices } from './case.service.js';
import { BatchRecordResult, DemoRatingTicket, RatingTokenView, RegisterServiceInput, ServiceRecordInput, ServiceView } from './case.types.js';
import { tryDemoRating, type DemoTicketDeps } from './demo-ticket.service.js';
import { answerBatch, serviceView, toServiceView } from './case.view.js';
import { serviceRecordInput } from './service-record.logic.js';

@Resolver()
export class CaseResolver {
  @Authorized('system', 'admin')
  @Mutation(() => ServiceView, { description: 'Registers a service node (or advances its status); ratings need it first (R9)' })
  async registerService(@Arg('input', () => RegisterServiceInput) input: RegisterServiceInput, @Ctx() { app, actor }: Context<CaseDeps>): Promise<ServiceView> {
    if (input.caseKind && !CASE_KINDS.includes(input.caseKind as CaseKind)) {
      throw InvalidInputError.field('caseKind', CASE_KINDS.join(', '), input.caseKind);
    }
    return serviceView(await registerService(app, actor, { ...input, caseKind: (input.caseKind as CaseKind | undefined) ?? null }));
  }

  @Authorized('system', 'admin')
  @Mutation(() => [BatchRecordResult], {
    description: `Registers up to 1,000 service records in one call (R8): each answered on its own, in order (CREATED, UNCHANGED for a resend, UPDATED when its status advanced, REFUSED with code and message; a record with a field missing or of the wrong type is REFUSED with BAD_USER_INPUT); a refused record never refuses the others. More than 1,000: BATCH_TOO_LARGE, nothing stored`,
  })
  async registerServices(
    @Arg('inputs', () => [ServiceRecordInput]) inputs: ServiceRecordInput[],
    @Ctx() { app, actor }: Context<CaseDeps>,
  ): Promise<BatchRecordResult[]> {
    // Each record's fields are checked here, not by GraphQL, so a wrongly typed record is refused alone.
    return answerBatch(
      inputs,
      (record) => serviceRecordInput(record, { lenient: false }),
      (records) => registerServices(app, actor, records),
      (registered) => registered.service.id,
      'service records',
    );
  }

  @Authorized('system', 'device', 'admin')
  @Mutation(() => RatingTokenView, { description: 'Issues the signed single-use rating token printed as the receipt QR code (R7)' })
  async issueRatingToken(
    @Arg('projectNo', () => String) projectNo: string,
    @Arg('serviceNumber', () => Int) serviceNumber: number,
    @Ctx() { app, actor }: Context<CaseDeps>,
  ): Promise<RatingTokenView> {
    await app.rateLimits.take('tokenIssue', actor.label);
    return issueRatingToken(app, actor, projectNo, serviceNumber);
  }

  @Authorized('public')
  @Mutation(() => DemoRatingTicket, {
    description:
      'Demo only (演示数据): registers an invented service and issues its receipt rating token, so a newcomer can rate it and see it on the big screen. FORBIDDEN unless the demo data is loaded and NODE_ENV is not production; RATE_LIMITED past 30 a minute',
  })
  async tryDemoRating(@Ctx() { app }: Context<DemoTicketDeps>): Promise<DemoRatingTicket> {
    return tryDemoRating(app);
  }

  @Authorized('public')
  @Query(() => ServiceView, {
    description: 'What the rating page shows for a rating token or a follow-up (追评) token: item, case number, department, staff 工号 (R7, R9)',
  })
  async ratingTicket(@Arg('token', () => String) token: string, @Ctx() { app }: Context<CaseDeps>): Promise<ServiceView> {
    const claims = await app.tokens.verify(token, ['rating', 'followup']);
    const em = app.orm.em.fork() as Em;
    const service = await em.findOne(ServiceSchema, { id: Number(claims.sub) });
    if (!service) throw NotFoundError.of('service bound to this token', claims.sub);
    const view = await toServiceView(em, service);
    return { ...view, staffName: null };
  }

  @Authorized('system', 'department', 'supervisor', 'admin')
  @Query(() => ServiceView, { nullable: true })
  async service(
    @Arg('projectNo', () => String) projectNo: string,
    @Arg('serviceNumber', () => Int) serviceNumber: number,
    @Ctx() { app, actor }: Context<CaseDeps>,
  ): Promise<ServiceView | null> {
    const em = app.orm.em.fork() as Em;
    const service = await em.findOne(ServiceSchema, { projectNo, serviceNumber });
    if (!service) return null;
    const dept = await em.findOneOrFail(DepartmentSchema, { id: service.departmentId });
    const inScope =
      actor.role === 'admin' ||
      (actor.role === 'supervisor' && actor.regionCode !== undefined && isWithinRegion(dept.regionCode, actor.regionCode)) ||
      ((actor.role === 'department' || actor.role === 'system') && dept.path.startsWith(actor.departmentPath ?? '\0'));
    if (!inScope) throw ForbiddenError.scope(`service ${projectNo}#${serviceNumber}`);
    return toServiceView(em, service);
  }
}
