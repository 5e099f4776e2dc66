import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { RectificationDeps } from './rectification.deps.js';
import type { Actor } from '../common/actor.js';
import type { Context } from '../common/context.js';
import { ForbiddenError } from '../common/errors.js';
import type { RectificationEvent } from '../common/pubsub.js';
import type { Em } from '../db/orm.js';
import { DepartmentSchema, ItemSchema } from '../catalog/catalog.entities.js';
import { formatYmd } from './calendar.logic.js';
import { analyseProblem, closeProblem } from './problem.service.js';
import { canSeeCase } from './rectification.access.js';
import type { RectProblem } from './rectification.entities.js';
import type { Command } from './rectification.logic.js';
import { figuresByDepartment, getCase, getProblem, listCases, listProblems, raterContact, rectificationFigures } from './rectification.query.js';
import { act, dayInput, escalateOverdue, rerate, rerateTicket, type ActOptions } from './rectification.service.js';
import { effectiveSettings, listHolidays, setHoliday, setSetting } from './settings.service.js';
import {
  AppealInput,
  CallbackInput,
  ClassifyInput,
  CommonProblemView,
  DecideAppealInput,
  DepartmentRectFigures,
  DispatchInput,
  ExtendInput,
  FeedBackInput,
  HolidayView,
  RaterContactView,
  RectActionEnum,
  RectCaseFilter,
  RectCasePage,
  RectCaseView,
  RectChangeView,
  RectFiguresView,
  RectifyInput,
  RectSettingView,
  RectStateEnum,
  RerateResult,
  RerateTicketView,
  StepInput,
  VerifyInput,
} from './rectification.types.js';
import { toCaseViews, toFiguresView } from './rectification.view.js';
import { scopeKey } from '../common/scope-key.js';

const VIEWERS = ['department', 'supervisor', 'hotline', 'admin'] as const;

async function run(ctx: Context<RectificationDeps>, id: number, cmd: Command, meta: StepInput, options?: ActOptions): Promise<RectCaseView> {
  const kase = await act(ctx.app, ctx.actor, id, cmd, { note: meta.note, attachments: meta.attachments }, options);
  return (await toCaseViews(ctx.app, ctx.actor, [kase], true))[0]!;
}

@Resolver()
export class RectificationResolver {
  @Authorized(...VIEWERS)
  @Query(() => RectCasePage, { description: "Rectification cases in the caller's scope (a department sees its own and its units'), most urgent first" })
  async rectificationCases(
    @Arg('filter', () => RectCaseFilter, { nullable: true }) filter: RectCaseFilter | null,
    @Ctx() { app, actor }: Context<RectificationDeps>,
  ): Promise<RectCasePage> {
    const page = await listCases(app, actor, filter ?? {});
    return { total: page.total, items: await toCaseViews(app, actor, page.items) };
  }

  @Authorized(...VIEWERS)
  @Query(() => RectCaseView, { description: 'One case with its rating (rater masked) and full history' })
  async rectificationCase(@Arg('id', () => Int) id: number, @Ctx() { app, actor }: Context<RectificationDeps>): Promise<RectCaseView> {
    return (await toCaseViews(app, actor, [await getCase(app, actor, id)], true))[0]!;
  }

  @Authorized('hotline')
  @Query(() => RaterContactView, { description: "The rater's name and mobile for the 12345 callback (R12): hotline only, while the callback is due; audited" })
  async raterContact(@Arg('caseId', () => Int) caseId: number, @Ctx() { app, actor }: Context<RectificationDeps>): Promise<RaterContactView> {
    return { caseId, ...(await raterContact(app, actor, caseId)) };
  }

  @Authorized('department', 'supervisor')
  @Mutation(() => RectCaseView, { description: '转办: dispatch to a unit and handler (OPENED → DISPATCHED)' })
  async dispatchRectification(
    @Arg('id', () => Int) id: number,
    @Arg('input', () => DispatchInput) input: DispatchInput,
    @Ctx() ctx: Context<RectificationDeps>,
  ): Promise<RectCaseView> {
    return run(ctx, id, { action: 'DISPATCH', handler: input.handler }, input, { departmentId: input.departmentId ?? null });
  }

  @Authorized('department')
  @Mutation(() => RectCaseView, { description: '核实: founded, unfounded (explained) or suspected malicious (DISPATCHED → VERIFIED)' })
  async verifyRectification(
    @Arg('id', () => Int) id: number,
    @Arg('input', () => VerifyInput) input: VerifyInput,
    @Ctx() ctx: Context<RectificationDeps>,
  ): Promise<RectCaseView> {
    return run(ctx, id, { action: 'VERIFY', finding: input.finding, reasonable: input.reasonable ?? null }, input);
  }

  @Authorized('department')
  @Mutation(() => RectCaseView, { description: '定性: class of a founded review, which sets its deadline (VERIFIED → CLASSIFIED, R14)' })
  async classifyRectification(
    @Arg('id', () => Int) id: number,
    @Arg('input', () => ClassifyInput) input: ClassifyInput,
    @Ctx() ctx: Context<RectificationDeps>,
  ): Promise<RectCaseView> {
    return run(
      ctx,
      id,
      { action: 'CLASSIFY', rectClass: input.rectClass, proposedHandling: input.proposedHandling, leaderInstruction: input.leaderInstruction },
      input,
    );
  }

  @Authorized('department')
  @Mutation(() => RectCaseView, { description: '整改: what was done (CLASSIFIED → RECTIFIED)' })
  async rectifyRectification(
    @Arg('id', () => Int) id: number,
    @Arg('input', () => RectifyInput) input: RectifyInput,
    @Ctx() ctx: Context<RectificationDeps>,
  ): Promise<RectCaseView> {
    return run(ctx, id, { action: 'RECTIFY', content: input.content }, input);
  }

  @Authorized('department')
  @Mutation(() => RectCaseView, {
    description: '反馈: the reply reaches the rater by SMS and portal message (RECTIFIED, or VERIFIED when unfounded → FED_BACK, R17)',
  })
  async feedBackRectification(
    @Arg('id', () => Int) id: number,
    @Arg('input', () => FeedBackInput) input: FeedBackInput,
    @Ctx() ctx: Context<RectificationDeps>,
  ): Promise<RectCaseView> {
    return run(ctx, id, { action: 'FEED_BACK', reply: input.reply }, input);
  }

  @Authorized('hotline')
  @Mutation(() => RectCaseView, {
    description: "回访 by the 12345 hotline: reached or not, and the rater's satisfaction with the fix (FED_BACK → CALLED_BACK, R15)",
  })
  async recordCallback(
    @Arg('id', () => Int) id: number,
    @Arg('input', () => CallbackInput) input: CallbackInput,
    @Ctx() ctx: Context<RectificationDeps>,
  ): Promise<RectCaseView> {
    return run(ctx, id, { action: 'CALL_BACK', reached: input.reached, satisfaction: input.satisfaction ?? null }, input);
  }

  @Authorized('department', 'supervisor')
  @Mutation(() => RectCaseView, { description: '办结 (CALLED_BACK → CLOSED)' })
  async closeRectification(
    @Arg('id', () => Int) id: number,
    @Arg('input', () => StepInput, { nullable: true }) input: StepInput | null,
    @Ctx() ctx: Context<RectificationDeps>,
  ): Promise<RectCaseView> {
    return run(ctx, id, { action: 'CLOSE' }, input ?? {});
  }

  @Authorized('department')
  @Mutation(() => RectCaseView, { description: '申诉: the rated department or staff member appeals after verification; clocks pause (→ APPEALED, R18)' })
  async appealRectification(
    @Arg('id', () => Int) id: number,
    @Arg('input', () => AppealInput) input: AppealInput,
    @Ctx() ctx: Context<RectificationDeps>,
  ): Promise<RectCaseView> {
    return run(ctx, id, { action: 'APPEAL', reason: input.reason, by: ctx.actor.label }, input);
  }

  @Authorized('supervisor')
  @Mutation(() => RectCaseView, {
    description: '申诉复核: upheld or malicious → the rating becomes invalid and leaves every statistic; rejected → the case goes on (R18)',
  })
  async decideAppeal(
    @Arg('id', () => Int) id: number,
    @Arg('input', () => DecideAppealInput) input: DecideAppealInput,
    @Ctx() ctx: Context<RectificationDeps>,
  ): Promise<RectCaseView> {
    return run(ctx, id, { action: 'DECIDE_APPEAL', decision: input.decision, by: ctx.actor.label }, input);
  }

  @Authorized('department')
  @Mutation(() => RectCaseView, { description: '延期: a new rectification deadline with the reason (R16)' })
  async extendRectificationDeadline(
    @Arg('id', () => Int) id: number,
    @Arg('input', () => ExtendInput) input: ExtendInput,
    @Ctx() ctx: Context<RectificationDeps>,
  ): Promise<RectCaseView> {
    return run(ctx, id, { action: 'EXTEND', newDay: dayInput('newDate', input.newDate), reason: input.reason }, input);
  }

  @Authorized('public')
  @Query(() => RerateTicketView, { description: 'What the re-rating link shows before the levels: the matter, the department and the reply' })
  async rerateTicket(@Arg('token', () => String) token: string, @Ctx() { app }: Context<RectificationDeps>): Promise<RerateTicketView> {
    return rerateTicket(app, token);
  }

  @Authorized('public')
  @Mutation(() => RerateResult, { description: 'The rater rates the fix with the link sent with the reply (re-rating after rectification)' })
  async rerateRectification(
    @Arg('token', () => String) token: string,
    @Arg('level', () => Int) level: number,
    @Ctx() { app }: Context<RectificationDeps>,
  ): Promise<RerateResult> {
    const kase = await rerate(app, token, level);
    return { caseId: kase.id, level: kase.rerateLevel! };
  }

  @Authorized('admin')
  @Mutation(() => Int, { description: 'Runs the overdue job now (it also runs on a timer); returns the number of cases escalated' })
  async runRectificationJob(@Ctx() { app }: Context<RectificationDeps>): Promise<number> {
    return escalateOverdue(app);
  }
}

@Resolver()
export class RectificationFiguresResolver {
  @Authorized('public', 'screen', 'department', 'supervisor', 'hotline', 'admin', 'system')
  @Query(() => RectFiguresView, {
    description: 'Rectification rate, on-time rate, callback rate, callback satisfaction rate and recovery (R19, R22) for the total, a region or a department',
  })
  async rectificationFigures(
    @Arg('regionCode', () => String, { nullable: true }) regionCode: string | null,
    @Arg('departmentId', () => Int, { nullable: true }) departmentId: number | null,
    @Arg('month', () => String, { nullable: true, description: 'YYYY-MM (cases opened that month); default all time' }) month: string | null,
    @Ctx() { app, actor }: Context<RectificationDeps>,
  ): Promise<RectFiguresView> {
    const { scope, period, figures } = await rectificationFigures(app, actor, { regionCode, departmentId, month });
    return toFiguresView(scope, period, figures);
  }

  @Authorized('department', 'supervisor', 'admin')
  @Query(() => [DepartmentRectFigures], { description: 'The figures of every department of a region that has cases, best rectification rate first' })
  async rectificationFiguresByDepartment(
    @Arg('regionCode', () => String) regionCode: string,
    @Arg('month', () => String, { nullable: true }) month: string | null,
    @Ctx() { app, actor }: Context<RectificationDeps>,
  ): Promise<DepartmentRectFigures[]> {
    return (await figuresByDepartment(app, actor, regionCode, month)).map((r) => ({
      departmentId: r.departmentId,
      departmentName: r.departmentName,
      figures: toFiguresView(scopeKey.department(r.departmentId), r.period, r.figures),
    }));
  }

  @Authorized(...VIEWERS)
  @Query(() => [CommonProblemView], { description: "Common problems (R20) in the caller's scope" })
  async commonProblems(
    @Arg('state', () => String, { nullable: true }) state: string | null,
    @Ctx() { app, actor }: Context<RectificationDeps>,
  ): Promise<CommonProblemView[]> {
    return problemViews(app, await listProblems(app, actor, state));
  }

  @Authorized('department')
  @Mutation(() => CommonProblemView, { description: 'Records the common cause and the measures of a common problem (OPEN → ANALYSED)' })
  async analyseCommonProblem(
    @Arg('id', () => Int) id: number,
    @Arg('cause', () => String) cause: string,
    @Arg('measures', () => String) measures: string,
    @Ctx() { app, actor }: Context<RectificationDeps>,
  ): Promise<CommonProblemView> {
    await analyseProblem(app, actor, id, cause, measures);
    return (await problemViews(app, [await getProblem(app, actor, id)]))[0]!;
  }

  @Authorized('department', 'supervisor')
  @Mutation(() => CommonProblemView, { description: 'Closes a common problem once all its cases are closed (双归零)' })
  async closeCommonProblem(
    @Arg('id', () => Int) id: number,
    @Arg('note', () => String) note: string,
    @Ctx() { app, actor }: Context<RectificationDeps>,
  ): Promise<CommonProblemView> {
    await closeProblem(app, actor, id, note);
    return (await problemViews(app, [await getProblem(app, actor, id)]))[0]!;
  }

  @Authorized('supervisor', 'admin', 'department')
  @Query(() => [RectSettingView], { description: 'The rectification settings in force for a region, with their defaults' })
  async rectificationSettings(@Arg('regionCode', () => String) regionCode: string, @Ctx() { app }: Context<RectificationDeps>): Promise<RectSettingView[]> {
    return effectiveSettings(app, regionCode);
  }

  @Authorized('supervisor', 'admin')
  @Mutation(() => [RectSettingView], { description: "Overrides a setting for a region (value null: back to the parent's or the default)" })
  async setRectificationSetting(
    @Arg('regionCode', () => String) regionCode: string,
    @Arg('key', () => String) key: string,
    @Arg('value', () => String, { nullable: true }) value: string | null,
    @Ctx() { app, actor }: Context<RectificationDeps>,
  ): Promise<RectSettingView[]> {
    await setSetting(app, actor, regionCode, key, value);
    return effectiveSettings(app, regionCode);
  }

  @Authorized('supervisor', 'admin', 'department')
  @Query(() => [HolidayView], { description: 'Holiday calendar entries of a year (all regions, or one; "" = nationwide)' })
  async holidays(
    @Arg('year', () => Int) year: number,
    @Arg('regionCode', () => String, { nullable: true }) regionCode: string | null,
    @Ctx() { app }: Context<RectificationDeps>,
  ): Promise<HolidayView[]> {
    return (await listHolidays(app, year, regionCode)).map((h) => ({ regionCode: h.regionCode, date: formatYmd(h.day), kind: h.kind, name: h.name }));
  }

  @Authorized('supervisor', 'admin')
  @Mutation(() => HolidayView, {
    nullable: true,
    description: 'Marks a day HOLIDAY or WORKDAY (调休) for working-day limits; kind null removes it. regionCode "" (admin) = nationwide',
  })
  async setHoliday(
    @Arg('date', () => String) date: string,
    @Arg('kind', () => String, { nullable: true }) kind: string | null,
    @Arg('name', () => String, { defaultValue: '' }) name: string,
    @Arg('regionCode', () => String, { defaultValue: '' }) regionCode: string,
    @Ctx() { app, actor }: Context<RectificationDeps>,
  ): Promise<HolidayView | null> {
    const row = await setHoliday(app, actor, date, kind, name, regionCode);
    return row ? { regionCode: row.regionCode, date: formatYmd(row.day), kind: row.kind, name: row.name } : null;
  }
}

@Resolver()
export class RectificationLiveResolver {
  @Authorized(...VIEWERS)
  @Subscription(() => RectChangeView, {
    description: "Changes of cases in the caller's scope (opened, each step, overdue escalations), as they are committed",
    subscribe: ({ context }) => {
      const { app, actor } = context as Context<RectificationDeps>;
      if (!(VIEWERS as readonly string[]).includes(actor.role)) throw ForbiddenError.role(VIEWERS, actor.role);
      return caseChanges(app, actor);
    },
  })
  rectificationChanged(@Root() change: RectChangeView): RectChangeView {
    return change;
  }
}

async function problemViews(app: RectificationDeps, problems: Array<RectProblem & { caseCount: number; openCases: number }>): Promise<CommonProblemView[]> {
  const em = app.orm.em.fork() as Em;
  const depts = problems.length ? await em.find(DepartmentSchema, { id: { $in: [...new Set(problems.map((p) => p.departmentId))] } }) : [];
  const itemIds = problems.map((p) => p.itemId).filter((v): v is number => v !== null);
  const items = itemIds.length ? await em.find(ItemSchema, { id: { $in: [...new Set(itemIds)] } }) : [];
  return problems.map((p) => ({
    id: p.id,
    groupBy: p.groupBy,
    itemName: p.itemId ? (items.find((i) => i.id === p.itemId)?.name ?? null) : null,
    departmentId: p.departmentId,
    departmentName: depts.find((d) => d.id === p.departmentId)?.name ?? '',
    state: p.state,
    openedAt: new Date(p.openedAt),
    threshold: p.threshold,
    windowDays: p.windowDays,
    caseCount: p.caseCount,
    openCases: p.openCases,
    cause: p.cause,
    measures: p.measures,
    closedAt: p.closedAt === null ? null : new Date(p.closedAt),
    closeNote: p.closeNote,
  }));
}

const QUEUE_LIMIT = 200;

/** Bus events about cases the actor may see, as an async iterator; a slow consumer loses the oldest. */
function caseChanges(app: RectificationDeps, actor: Actor): AsyncIterableIterator<RectChangeView> {
  const queue: RectChangeView[] = [];
  let waiter: ((r: IteratorResult<RectChangeView>) => void) | null = null;
  let done = false;
  const visible = (e: RectificationEvent) => {
    const d = e.detail ?? { action: '' };
    if (typeof d.departmentPath === 'string' && typeof d.regionCode === 'string') {
      return canSeeCase(actor, { departmentPath: d.departmentPath, handlingDepartmentPath: d.handlingDepartmentPath ?? null, regionCode: d.regionCode });
    }
    // Openings carry only their scopes: D:<id> and R:<code> keys.
    if (actor.role === 'admin') return true;
    if (actor.role === 'department') {
      const own = actor.departmentId ? scopeKey.department(actor.departmentId) : null;
      return own !== null && e.scopes.includes(own);
    }
    return !!actor.regionCode && e.scopes.includes(scopeKey.region(actor.regionCode));
  };
  const unsubscribe = app.bus.subscribe((e) => {
    if (done || e.kind !== 'rectification' || !visible(e)) return;
    const d = e.detail ?? { action: '' };
    const change: RectChangeView = {
      action: (d.action as RectActionEnum) ?? RectActionEnum.OPEN,
      caseIds: Array.isArray(d.caseIds) ? (d.caseIds as number[]) : typeof d.caseId === 'number' ? [d.caseId] : [],
      state: (d.state as RectStateEnum | undefined) ?? null,
      overdue: typeof d.overdue === 'boolean' ? d.overdue : null,
      at: new Date(e.at),
    };
    if (waiter) {
      const w = waiter;
      waiter = null;
      w({ value: change, done: false });
      return;
    }
    queue.push(change);
    if (queue.length > QUEUE_LIMIT) queue.shift();
  });
  const finish = (): Promise<IteratorResult<RectChangeView>> => {
    if (!done) {
      done = true;
      unsubscribe();
      waiter?.({ value: undefined, done: true });
      waiter = null;
    }
    return Promise.resolve({ value: undefined, done: true });
  };
  return {
    next: () => {
      if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => {
        waiter = resolve;
      });
    },
    return: finish,
    throw: (err?: unknown) => finish().then(() => Promise.reject(err)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** The rectification feature's resolvers, for the schema's resolver list. */
export const rectificationResolvers = [RectificationResolver, RectificationFiguresResolver, RectificationLiveResolver] as const;
