/**
 * Demo data for rectification (差评整改, R13–R20): the bad reviews of the seeded demo history, walked
 * through the real workflow so the big screen's rectification panel and the department workspace
 * show a closed loop with Tianjin's profile (R24: every bad review rectified and called back).
 *
 * Nothing here writes a case, a step, an outbox record or a rectification counter itself: cases are
 * opened by `openCasesForRating` in a transaction of their own (as the rating hook does), and every
 * step is taken with `act` by an actor of the right role, on a copy of the app whose clock reads the
 * step's historical time. Cases and steps are processed in time order across all cases, and the
 * overdue job (`escalateOverdue`) runs when a deadline passes, so the rows are those the live
 * workflow would have written. Deterministic: the plan of every case comes from a seeded PRNG.
 *
 * Profile (as of `now`): cases opened more than 15 days ago are finished: rectified within their
 * deadlines, replied to, called back by the 12345 hotline (satisfaction mostly 4–5, a few 3) and
 * closed; ≈5% were verified unfounded and explained; one or two were appealed and the appeal upheld
 * (the rating is invalidated and leaves every statistic). Younger cases are where their plan has
 * got to by `now`, spread over the open states; one or two cases are overdue (escalated by the job).
 * When the history has no bad review young enough to be overdue, the newest cases are the overdue
 * ones, although older than 15 days (see `assignDemoProfiles`).
 *
 * Demo only: messages to raters stay in the outbox (this copy of the app has no SMS or portal
 * endpoint, whatever the configuration says), and officers of departments without a demo account
 * get a history-only account that cannot sign in.
 */
import type { RectificationDeps } from '../server/src/rectification/rectification.deps.js';
import { AppUserSchema, type AppUser } from '../server/src/auth/auth.entities.js';
import type { Actor, Role } from '../server/src/common/actor.js';
import { DepartmentSchema } from '../server/src/catalog/catalog.entities.js';
import { isWithinRegion } from '../server/src/catalog/region.logic.js';
import { ServiceSchema } from '../server/src/case/case.entities.js';
import { ManualClock } from '../server/src/common/clock.js';
import { log } from '../server/src/common/logger.js';
import type { Em } from '../server/src/db/orm.js';
import { MessageGateways } from '../server/src/notify/notify.service.js';
import { RatingSchema } from '../server/src/rating/rating.entity.js';
import { mulberry32 } from './demo-city.js';
import { endOfEpochDay, epochDayOf, type WorkCalendar } from '../server/src/rectification/calendar.logic.js';
import { RectCaseSchema } from '../server/src/rectification/rectification.entities.js';
import { applyAction, type AppealDecision, type Command, type RectCaseState, type RectState } from '../server/src/rectification/rectification.logic.js';
import { raterContact } from '../server/src/rectification/rectification.query.js';
import { act, escalateOverdue, openCasesForRating, type StepMeta } from '../server/src/rectification/rectification.service.js';
import type { RectClass, RectRules } from '../server/src/rectification/settings.logic.js';
import { loadRegionRules, type RegionRules } from '../server/src/rectification/settings.store.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DEMO_RECT_SEED = 20_240_611;

/** The shape of the demo's rectification history (R24). */
export const DEMO_RECT_PROFILE = {
  /** Cases opened longer ago than this are finished (closed, or invalidated on appeal). */
  finishedAfterDays: 15,
  /** Verified unfounded and explained to the rater (说明解释) instead of rectified. */
  explainedShare: 0.05,
  /** Appealed and upheld: one per 400 older cases, at least one (given 5 older cases) and at most two. */
  appealsPer: 400,
  maxAppeals: 2,
  /** Overdue at `now`: two from 20 cases on, else one. */
  overdueFromCases: 20,
  /** A younger case this old has certainly passed its dispatch deadline (1 working day, weekends included). */
  overdueMinAgeDays: 5,
  /** Callback satisfaction (回访满意度) of rectified cases; explained ones are a little less content. */
  satisfaction: [
    [5, 0.62],
    [4, 0.33],
    [3, 0.05],
  ] as ReadonlyArray<readonly [number, number]>,
  satisfactionExplained: [
    [4, 0.55],
    [3, 0.45],
  ] as ReadonlyArray<readonly [number, number]>,
  /** Raters not reached on the first callback (reached on the second). */
  unreachedFirstShare: 0.1,
  /** Cases closed by the supervisor (审核办结) rather than by the department. */
  closedBySupervisorShare: 0.3,
  rectClasses: [
    ['SIMPLE', 0.4],
    ['GENERAL', 0.45],
    ['COMPLEX', 0.15],
  ] as ReadonlyArray<readonly [RectClass, number]>,
} as const;

export type DemoProfile = 'FIXED' | 'EXPLAINED' | 'APPEALED' | 'OVERDUE';

/** A bad rating to open cases for; `departments`: how many cases it opens (joint cases: one per department). */
export interface DemoRatingRef {
  id: number;
  ratedAt: number;
  departments?: number;
}

type Rng = () => number;

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)]!;
}

function weighted<T>(rng: Rng, pairs: ReadonlyArray<readonly [T, number]>): T {
  const total = pairs.reduce((sum, [, w]) => sum + w, 0);
  let r = rng() * total;
  for (const [value, w] of pairs) {
    if ((r -= w) < 0) return value;
  }
  return pairs[pairs.length - 1]![0];
}

function shuffled<T>(rng: Rng, items: readonly T[]): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A per-item seed (a simple integer hash), so a case's plan does not depend on the cases before it. */
function seedOf(seed: number, ...parts: number[]): number {
  let h = seed >>> 0;
  for (const p of parts) h = Math.imul(h ^ (p >>> 0), 0x9e3779b1) ^ (h >>> 15);
  return h >>> 0;
}

/**
 * Which path each bad rating's cases take (every case of a joint rating takes the same one). Pure and
 * deterministic. Overdue cases are taken from the younger ratings old enough to have passed their first
 * deadline, then from the newest older ones (a history whose last bad review is weeks old still shows
 * an overdue case), then from the youngest; appeals from the older ratings; the explained ones from
 * the rest. These are single-department ratings where there are enough, so that "one or two" and
 * "5%" count cases.
 */
export function assignDemoProfiles(ratings: readonly DemoRatingRef[], now: number, seed = DEMO_RECT_SEED): Map<number, DemoProfile> {
  const p = DEMO_RECT_PROFILE;
  const rng = mulberry32(seedOf(seed, 1));
  const out = new Map<number, DemoProfile>();
  const age = (r: DemoRatingRef) => now - r.ratedAt;
  const older = ratings.filter((r) => age(r) > p.finishedAfterDays * DAY);
  const younger = ratings.filter((r) => age(r) <= p.finishedAfterDays * DAY);
  const newestFirst = (list: DemoRatingRef[]) => list.slice().sort((a, b) => b.ratedAt - a.ratedAt || b.id - a.id);
  /** Single-department ratings first, the order within each kept. */
  const singleFirst = (list: DemoRatingRef[]) => [...list.filter((r) => (r.departments ?? 1) <= 1), ...list.filter((r) => (r.departments ?? 1) > 1)];

  const overdue = ratings.length >= p.overdueFromCases ? 2 : Math.min(1, ratings.length);
  const candidates = singleFirst([
    ...shuffled(
      rng,
      younger.filter((r) => age(r) >= p.overdueMinAgeDays * DAY),
    ),
    ...newestFirst(older),
    ...newestFirst(younger.filter((r) => age(r) < p.overdueMinAgeDays * DAY)).reverse(),
  ]);
  for (const r of candidates.slice(0, overdue)) out.set(r.id, 'OVERDUE');

  const olderLeft = older.filter((r) => !out.has(r.id));
  const appeals = olderLeft.length >= 5 ? Math.min(p.maxAppeals, Math.max(1, Math.round(olderLeft.length / p.appealsPer))) : 0;
  for (const r of singleFirst(shuffled(rng, olderLeft)).slice(0, appeals)) out.set(r.id, 'APPEALED');

  const rest = ratings.filter((r) => !out.has(r.id));
  const explained = Math.max(ratings.length >= 10 ? 1 : 0, Math.round(ratings.length * p.explainedShare));
  for (const r of singleFirst(shuffled(rng, rest)).slice(0, explained)) out.set(r.id, 'EXPLAINED');
  for (const r of ratings) if (!out.has(r.id)) out.set(r.id, 'FIXED');
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Planning one case (pure): the steps and their times, checked against the state machine as they are planned

export type DemoWho = 'officer' | 'supervisor' | 'hotline';

export interface DemoStep {
  at: number;
  who: DemoWho;
  cmd: Command;
  meta: StepMeta;
  from: RectState;
}

export interface DemoCasePlan {
  /** Steps up to `now`, in time order; every one is legal in the state the one before leaves. */
  steps: DemoStep[];
  /** Overdue: when the overdue job first runs after the deadline the case stopped at. */
  escalateAt: number | null;
}

export interface PlanContext {
  now: number;
  rules: RectRules;
  calendar: WorkCalendar;
  seed: number;
  /** Actor labels recorded by appeal steps (`by`). */
  officerLabel: string;
  supervisorLabel: string;
}

const HANDLERS = ['王科长', '李主任', '张科长', '刘副主任', '陈科员', '杨科长', '赵主任', '黄科长', '周经办', '吴科长', '孙主任', '马科长'];
const DISPATCH_NOTES = ['请承办科室于时限内核实情况并反馈。', '转业务科室核实办理。', '请调阅办件记录，约谈当事窗口人员。', null];
const VERIFY_FOUNDED_NOTES = [
  '经调阅办件记录、约谈当事窗口人员，差评反映问题属实。',
  '经调取窗口监控录像核实，存在解释不清、引导不到位的情况。',
  '经核查，该事项存在要求重复提交材料的问题，差评属实。',
  '经核实，办理过程中排队等候时间过长，评价属实。',
];
const VERIFY_UNFOUNDED_NOTES = [
  '经调取监控录像和办件记录，工作人员已按规定一次性告知，评价所述情况与事实不符。',
  '经核查，该事项因申请材料不符合法定条件依法不予受理，工作人员已说明理由。',
];
const PROPOSED_HANDLING = [
  '约谈当事窗口人员，开展服务规范再培训。',
  '梳理办事指南，明确申请材料清单并在网上公开。',
  '优化高峰时段取号分流，增开综合窗口。',
  '落实首问负责制和一次性告知制度。',
  '完善办件时限预警，逐件核查超时限办件。',
];
const LEADER_INSTRUCTIONS = ['立行立改，举一反三。', '限期整改到位，结果报分管领导。', '纳入本月服务质量讲评。'];
const RECTIFY_CONTENT = [
  '已约谈当事窗口工作人员并进行批评教育，组织全科室开展服务礼仪和业务规范专题培训，纳入月度绩效考核。',
  '已修订该事项办事指南，明确申请材料清单和示范文本，在政务服务网和大厅同步公布，杜绝要求办事指南以外的材料。',
  '已调整高峰时段窗口配置，增设综合受理窗口2个并安排导办人员分流，平均等候时间明显缩短。',
  '已落实首问负责制和一次性告知制度，对窗口之间相互推诿问题进行通报，明确牵头窗口和转办流程。',
  '已对超承诺时限办件逐件核查并向当事人说明原因，上线办件时限预警，临近时限自动提醒经办人。',
  '已为当事人办结该事项，并对相关工作人员进行了业务再培训，完善了内部审核流程。',
];
const RECTIFY_ATTACHMENTS = [['整改报告.pdf'], ['整改报告.pdf', '培训签到表.jpg'], ['办事指南（修订版）.pdf'], []];
const REPLIES_FIXED = [
  '您好！您反映的问题经核实属实，我们已对相关工作人员进行批评教育并开展专题培训，完善了服务流程。感谢您对政务服务工作的监督！',
  '您好！针对您反映的材料要求不清的问题，我们已修订办事指南并在网上公布完整的材料清单。给您带来不便，深表歉意，感谢您的监督！',
  '您好！针对排队等候时间长的问题，我们已在高峰时段增开窗口并安排导办人员分流。感谢您的宝贵意见！',
  '您好！您办理的事项已办结，我们已对超时限问题逐件核查并上线时限预警，避免类似情况再次发生。感谢您的监督！',
];
const REPLIES_EXPLAINED = [
  '您好！经调取窗口监控和办件记录核实，您所办事项因申请材料不符合法定条件暂不能受理，工作人员已一次性告知需补正的材料。现向您说明情况，欢迎随时咨询，感谢您的理解与监督！',
  '您好！经核实，该事项依法须经现场核验后方可办结，办理时限符合承诺时限。给您带来的不便敬请谅解，感谢您的监督！',
];
const APPEAL_REASONS = [
  '经调取窗口监控录像和办件记录，工作人员服务规范、按时办结，评价内容与事实不符，申请复核。',
  '评价人当日未在本窗口办理业务，办件记录与评价不对应，申请复核。',
];
const APPEAL_DECISION_NOTES = ['经调阅监控录像及办件材料复核，申诉成立，该评价不计入统计。', '经复核，评价与事实不符，申诉成立。'];
const CALLBACK_NOTES: Record<number, string> = {
  5: '回访评价人，对整改结果非常满意。',
  4: '回访评价人，对整改结果表示满意。',
  3: '回访评价人，认为问题基本解决，希望进一步提高办事效率。',
};
const CLOSE_NOTES = { officer: '整改到位，回访满意，予以办结。', supervisor: '经审核，整改材料齐全，回访满意，同意办结。' };

/** The next office moment (9:00–12:00, 13:30–17:30 Shanghai, working days) at or after `ms`. */
function officeTime(ms: number, calendar: WorkCalendar, rng: Rng): number {
  for (let i = 0; i < 60; i++) {
    const day = epochDayOf(ms);
    const midnight = endOfEpochDay(day) - DAY;
    const minute = (ms - midnight) / MINUTE;
    if (calendar.isWorkingDay(day)) {
      if (minute < 9 * 60) return midnight + 9 * HOUR + Math.floor(rng() * 75) * MINUTE;
      if (minute < 12 * 60) return ms;
      if (minute < 13.5 * 60) return midnight + 13.5 * HOUR + Math.floor(rng() * 45) * MINUTE;
      if (minute < 17.5 * 60) return ms;
    }
    ms = endOfEpochDay(day);
  }
  return ms;
}

/**
 * Plans one case from its opened state: its profile's path, each step within the deadline in force and
 * within a budget that finishes the loop in 14 days, and only the steps due by `now`. An overdue case
 * stops in the first state (from a random one on) whose deadline has passed by `now`.
 */
export function planDemoCase(opened: RectCaseState, profile: DemoProfile, ctx: PlanContext): DemoCasePlan {
  if (profile !== 'OVERDUE') return planWith(opened, profile, ctx, null);
  const stallFrom = Math.floor(mulberry32(seedOf(ctx.seed, 2))() * 4);
  for (let from = stallFrom; from >= 0; from--) {
    const plan = planWith(opened, profile, ctx, from);
    if (plan.escalateAt !== null) return plan;
  }
  // Too young to have passed any deadline: it simply goes on.
  return planWith(opened, 'FIXED', ctx, null);
}

function planWith(opened: RectCaseState, profile: DemoProfile, ctx: PlanContext, stallFrom: number | null): DemoCasePlan {
  const { now, rules, calendar } = ctx;
  const rng = mulberry32(ctx.seed);
  const p = DEMO_RECT_PROFILE;
  const steps: DemoStep[] = [];
  let s: RectCaseState = { ...opened };
  let t = opened.openedAt;
  let done = false;
  let escalateAt: number | null = null;
  let index = 0;

  /** When the next step is taken: a natural delay in office hours, before the deadline and the budget. */
  const when = (minHours: number, maxHours: number, budgetDays: number): number => {
    const due = s.dueAt ?? Infinity;
    const limit = Math.min(due - 15 * MINUTE, opened.openedAt + budgetDays * DAY);
    let at = officeTime(t + (minHours + rng() * (maxHours - minHours)) * HOUR, calendar, rng);
    if (at > limit) at = limit > t + 2 * MINUTE ? t + (limit - t) * (0.25 + 0.65 * rng()) : t + (Math.min(due, t + DAY) - t) / 2;
    return Math.max(Math.round(at), t + MINUTE);
  };
  /** Takes a step (checked by the state machine), unless the plan has stopped or the step is after `now`. */
  const take = (who: DemoWho, cmd: Command, at: number, meta: StepMeta = {}): boolean => {
    if (done) return false;
    if (stallFrom !== null && index >= stallFrom && s.dueAt !== null && s.dueAt + 5 * MINUTE < now) {
      // An overdue case: nobody acts, the job escalates when it first runs after the deadline.
      escalateAt = s.dueAt + MINUTE + Math.floor(rng() * 4 * MINUTE);
      done = true;
      return false;
    }
    if (at > now) {
      done = true;
      return false;
    }
    const outcome = applyAction(s, cmd, { now: at, rules, calendar });
    steps.push({ at, who, cmd, meta, from: s.state });
    s = { ...s, ...outcome.patch };
    t = at;
    index += 1;
    return true;
  };
  const note = (items: ReadonlyArray<string | null>) => pick(rng, items);

  take('officer', { action: 'DISPATCH', handler: pick(rng, HANDLERS) }, when(0.5, 20, 2), { note: note(DISPATCH_NOTES) });
  if (profile === 'FIXED' || profile === 'OVERDUE') {
    take('officer', { action: 'VERIFY', finding: 'FOUNDED', reasonable: true }, when(4, 50, 5), { note: note(VERIFY_FOUNDED_NOTES) });
    const rectClass = weighted(rng, p.rectClasses);
    take(
      'officer',
      {
        action: 'CLASSIFY',
        rectClass,
        proposedHandling: pick(rng, PROPOSED_HANDLING),
        leaderInstruction: rng() < 0.5 ? pick(rng, LEADER_INSTRUCTIONS) : null,
      },
      when(1, 20, 6),
    );
    const [minH, maxH] = rectClass === 'SIMPLE' ? [4, 60] : rectClass === 'GENERAL' ? [20, 120] : [60, 170];
    take('officer', { action: 'RECTIFY', content: pick(rng, RECTIFY_CONTENT) }, when(minH, maxH, 10), { attachments: pick(rng, RECTIFY_ATTACHMENTS) });
    take('officer', { action: 'FEED_BACK', reply: pick(rng, REPLIES_FIXED) }, when(1, 20, 11));
    callBackAndClose(weighted(rng, p.satisfaction), 13, 14);
  } else if (profile === 'EXPLAINED') {
    take('officer', { action: 'VERIFY', finding: 'UNFOUNDED', reasonable: false }, when(4, 50, 5), { note: note(VERIFY_UNFOUNDED_NOTES) });
    take('officer', { action: 'FEED_BACK', reply: pick(rng, REPLIES_EXPLAINED) }, when(1, 24, 7));
    callBackAndClose(weighted(rng, p.satisfactionExplained), 10, 12);
  } else {
    take('officer', { action: 'VERIFY', finding: 'UNFOUNDED', reasonable: false }, when(4, 50, 5), { note: note(VERIFY_UNFOUNDED_NOTES) });
    take('officer', { action: 'APPEAL', reason: pick(rng, APPEAL_REASONS), by: ctx.officerLabel }, when(1, 24, 6), {
      attachments: ['窗口监控录像截图.jpg', '办件记录.pdf'],
    });
    const decision: AppealDecision = 'UPHELD';
    take('supervisor', { action: 'DECIDE_APPEAL', decision, by: ctx.supervisorLabel }, when(20, 96, 10), { note: pick(rng, APPEAL_DECISION_NOTES) });
  }
  return { steps, escalateAt };

  function callBackAndClose(satisfaction: number, callbackBudget: number, closeBudget: number): void {
    if (rng() < p.unreachedFirstShare) {
      take('hotline', { action: 'CALL_BACK', reached: false, satisfaction: null }, when(3, 30, callbackBudget - 1), { note: '电话无人接听，择时再次回访。' });
    }
    take('hotline', { action: 'CALL_BACK', reached: true, satisfaction }, when(3, 40, callbackBudget), { note: CALLBACK_NOTES[satisfaction] ?? null });
    const who: DemoWho = rng() < p.closedBySupervisorShare ? 'supervisor' : 'officer';
    take(who, { action: 'CLOSE' }, when(1, 24, closeBudget), { note: CLOSE_NOTES[who === 'supervisor' ? 'supervisor' : 'officer'] });
  }
}

// ---------------------------------------------------------------------------------------------------------
// Running the plans through the real workflow

/** Users acting in the history: the demo accounts, and a history-only officer where a department has none. */
class DemoActors {
  private readonly officers = new Map<number, AppUser>();
  private readonly paths = new Map<number, string>();
  private supervisors: AppUser[] = [];
  private hotlines: AppUser[] = [];

  constructor(
    private readonly em: Em,
    private readonly now: number,
  ) {}

  async load(): Promise<void> {
    const users = await this.em.find(AppUserSchema, { role: { $in: ['department', 'supervisor', 'hotline'] } }, { orderBy: { id: 'asc' } });
    for (const u of users) {
      if (u.role === 'department' && u.departmentId !== null && !this.officers.has(u.departmentId)) this.officers.set(u.departmentId, u);
    }
    this.supervisors = users.filter((u) => u.role === 'supervisor' && u.regionCode);
    this.hotlines = users.filter((u) => u.role === 'hotline' && u.regionCode);
    const departments = await this.em.find(DepartmentSchema, { id: { $in: [...this.officers.keys()] } }, { fields: ['id', 'path'] });
    for (const d of departments) this.paths.set(d.id, d.path);
  }

  /** The officer of the case's department, or of the nearest parent with a demo account, or a new history-only one. */
  async officer(departmentPath: string, departmentId: number): Promise<Actor> {
    const ids = departmentPath.split('/').filter(Boolean).map(Number).reverse();
    let user = ids.map((id) => this.officers.get(id)).find((u) => u !== undefined);
    if (!user) {
      const dept = await this.em.findOneOrFail(DepartmentSchema, { id: departmentId });
      user = this.em.create(AppUserSchema, {
        username: `demo-officer-${dept.id}`,
        // Not a password hash: no password matches it, so the account cannot sign in.
        passwordHash: 'disabled:demo-history',
        disabled: true,
        mustChangePassword: false,
        totpEnabled: false,
        role: 'department',
        displayName: `${dept.name}经办人（演示）`.slice(0, 60),
        departmentId: dept.id,
        regionCode: null,
        createdAt: this.now,
      });
      await this.em.flush();
      this.officers.set(dept.id, user);
      this.paths.set(dept.id, dept.path);
    }
    return this.actorOf(user);
  }

  supervisor(regionCode: string): Actor {
    return this.actorOf(this.within(this.supervisors, regionCode, 'supervisor'));
  }

  hotline(regionCode: string): Actor {
    return this.actorOf(this.within(this.hotlines, regionCode, 'hotline'));
  }

  private within(users: AppUser[], regionCode: string, role: string): AppUser {
    const user = users.find((u) => isWithinRegion(regionCode, u.regionCode!));
    if (!user) throw new Error(`demo rectification: no ${role} account serves region ${regionCode}; seed the demo accounts first`);
    return user;
  }

  private actorOf(u: AppUser): Actor {
    return {
      role: u.role as Role,
      label: `user:${u.id}`,
      userId: u.id,
      departmentId: u.departmentId ?? undefined,
      departmentPath: u.departmentId !== null ? this.paths.get(u.departmentId) : undefined,
      regionCode: u.regionCode ?? undefined,
    };
  }
}

/** Where a case belongs, for choosing its actors. */
interface CaseWhere {
  departmentId: number;
  departmentPath: string;
  regionCode: string;
}

type DemoEvent =
  | { kind: 'open'; at: number; ratingId: number }
  | { kind: 'step'; at: number; caseId: number; ratingId: number; step: DemoStep; firstCallback: boolean; kase: CaseWhere }
  | { kind: 'job'; at: number };

/** A min-heap on (time, insertion order). */
class EventQueue {
  private readonly items: Array<{ at: number; seq: number; event: DemoEvent }> = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  push(event: DemoEvent): void {
    const items = this.items;
    const item = { at: event.at, seq: this.seq++, event };
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(item, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  pop(): DemoEvent {
    const items = this.items;
    const top = items[0]!;
    const last = items.pop()!;
    if (items.length > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= items.length) break;
        if (child + 1 < items.length && this.less(items[child + 1]!, items[child]!)) child += 1;
        if (!this.less(items[child]!, last)) break;
        items[i] = items[child]!;
        i = child;
      }
      items[i] = last;
    }
    return top.event;
  }

  private less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

export interface DemoRectificationSummary {
  /** Bad first ratings whose cases were opened now. */
  ratings: number;
  cases: number;
  steps: number;
  /** Escalations by the overdue job (in the history, and at `now`). */
  escalated: number;
  /** Cases by the path planned for them. */
  profiles: Record<DemoProfile, number>;
  /** Cases by state at `now`. */
  states: Record<string, number>;
  ms: number;
}

/**
 * Opens the rectification cases of every valid bad first rating that has none yet, and walks them
 * through the workflow up to `now` (see the file comment). Run once, after the rating history is loaded.
 */
export async function seedDemoRectification(app: RectificationDeps, options: { now: Date; seed?: number }): Promise<DemoRectificationSummary> {
  const started = Date.now();
  const now = options.now.getTime();
  const seed = options.seed ?? DEMO_RECT_SEED;
  const clock = new ManualClock(options.now);
  // The same app as of each step's time: the workflow reads the time from `clock` (and signs the rater's
  // re-rating link with it). Demo history must never reach a person: no message endpoint at all.
  const past: RectificationDeps = { ...app, clock, tokens: app.tokens.withClock(clock), messages: new MessageGateways({}) };

  const em = app.orm.em.fork() as Em;
  const ratings = await badRatingsWithoutCases(em, now);
  const profiles = assignDemoProfiles(ratings, now, seed);
  const actors = new DemoActors(em, now);
  await actors.load();
  const regions = new Map<string, RegionRules>();
  const siblings = new Map<number, number[]>();
  const ended = new Set<number>();
  const summary: DemoRectificationSummary = {
    ratings: ratings.length,
    cases: 0,
    steps: 0,
    escalated: 0,
    profiles: { FIXED: 0, EXPLAINED: 0, APPEALED: 0, OVERDUE: 0 },
    states: {},
    ms: 0,
  };

  const queue = new EventQueue();
  for (const r of ratings) queue.push({ kind: 'open', at: r.ratedAt, ratingId: r.id });
  // Demo data, loaded before the server serves (like the bulk load): SQLite need not sync every step's
  // commit to disk (WAL with synchronous=NORMAL stays consistent); FULL again afterwards.
  const relaxed = app.dialect === 'sqlite';
  if (relaxed) await em.execute('pragma synchronous = NORMAL');
  try {
    await runEvents();
  } finally {
    if (relaxed) await em.execute('pragma synchronous = FULL');
  }

  async function runEvents(): Promise<void> {
    let reported = Date.now();
    while (queue.size > 0) {
      const event = queue.pop();
      if (Date.now() - reported > 30_000) {
        // Some 10 ms a step: a ten-million-rating demo has some ten thousand cases to walk.
        reported = Date.now();
        log.info('demo rectification history: walking the cases through the workflow', {
          casesOpened: summary.cases,
          badRatings: ratings.length,
          steps: summary.steps,
          asOf: new Date(event.at).toISOString(),
        });
      }
      clock.set(new Date(event.at));
      if (event.kind === 'open') {
        // As the rating hook does it: in a transaction, from the stored rating and the service it rated.
        const caseIds = await (app.orm.em.fork() as Em).transactional(async (t) => {
          const tx = t as Em;
          const rating = await tx.findOneOrFail(RatingSchema, { id: event.ratingId });
          const service = await tx.findOneOrFail(ServiceSchema, { id: rating.serviceId });
          return (await openCasesForRating(past, tx, rating, service)).map((c) => c.id);
        });
        siblings.set(event.ratingId, caseIds);
        const profile = profiles.get(event.ratingId)!;
        for (const caseId of caseIds) {
          const kase = await em.fork().findOneOrFail(RectCaseSchema, { id: caseId });
          let region = regions.get(kase.regionCode);
          if (!region) regions.set(kase.regionCode, (region = await loadRegionRules(em.fork() as Em, kase.regionCode)));
          const where: CaseWhere = { departmentId: kase.departmentId, departmentPath: kase.departmentPath, regionCode: kase.regionCode };
          const officer = await actors.officer(kase.departmentPath, kase.departmentId);
          const plan = planDemoCase(kase, profile, {
            now,
            rules: region.rules,
            calendar: region.calendar,
            seed: seedOf(seed, event.ratingId, kase.departmentId),
            officerLabel: officer.label,
            supervisorLabel: actors.supervisor(kase.regionCode).label,
          });
          let firstCallback = true;
          for (const step of plan.steps) {
            queue.push({
              kind: 'step',
              at: step.at,
              caseId,
              ratingId: event.ratingId,
              step,
              firstCallback: step.cmd.action === 'CALL_BACK' && firstCallback,
              kase: where,
            });
            if (step.cmd.action === 'CALL_BACK') firstCallback = false;
          }
          if (plan.escalateAt !== null) queue.push({ kind: 'job', at: plan.escalateAt });
          summary.cases += 1;
          summary.profiles[profile] += 1;
        }
      } else if (event.kind === 'step') {
        // A case ended by another department's upheld appeal (the rating is invalid) takes no more steps.
        if (ended.has(event.caseId)) continue;
        const { step, kase } = event;
        const actor =
          step.who === 'officer'
            ? await actors.officer(kase.departmentPath, kase.departmentId)
            : step.who === 'supervisor'
              ? actors.supervisor(kase.regionCode)
              : actors.hotline(kase.regionCode);
        // The operator opens the rater's contact data before the first call (recorded in the audit log, R12).
        if (event.firstCallback) await raterContact(past, actor, event.caseId);
        await act(past, actor, event.caseId, step.cmd, step.meta);
        summary.steps += 1;
        if (step.cmd.action === 'DECIDE_APPEAL' && step.cmd.decision !== 'REJECTED') {
          for (const id of siblings.get(event.ratingId) ?? []) if (id !== event.caseId) ended.add(id);
        }
      } else {
        summary.escalated += await escalateOverdue(past);
      }
    }
  }
  // The job at `now`: nothing should be left to escalate, but if the calendar had a surprise, it is done here.
  clock.set(options.now);
  summary.escalated += await escalateOverdue(past);

  const rows = await em.execute<Array<{ state: string; n: number | string }>>('select state, count(*) as n from rect_case group by state order by state');
  summary.states = Object.fromEntries(rows.map((r) => [r.state, Number(r.n)]));
  summary.ms = Date.now() - started;
  log.info('demo rectification history seeded (演示数据)', { ...summary, profiles: JSON.stringify(summary.profiles), states: JSON.stringify(summary.states) });
  return summary;
}

/** Valid bad first ratings (R13) up to `now` without a case yet, in time order, with the departments they concern. */
async function badRatingsWithoutCases(em: Em, now: number): Promise<DemoRatingRef[]> {
  const rows = await em.execute<Array<{ id: number; rated_at: number | string; departments: number | string }>>(
    `select r.id, r.rated_at,
            (select count(distinct cu.department_id) from case_unit cu
              where cu.case_id in (select s.case_id from service s where s.rating_id = r.id)) as departments
       from rating r
      where r.valid = true and r.is_default = false and r.assess_number = 1 and r.level <= 2 and r.rated_at <= ?
        and not exists (select 1 from rect_case rc where rc.rating_id = r.id)
      order by r.rated_at, r.id`,
    [now],
  );
  return rows.map((r) => ({ id: Number(r.id), ratedAt: Number(r.rated_at), departments: Number(r.departments) }));
}
