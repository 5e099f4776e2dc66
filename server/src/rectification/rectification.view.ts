import type { RectificationDeps } from './rectification.deps.js';
import type { Actor } from '../common/actor.js';
import { LEVELS } from '../catalog/levels.logic.js';
import { ServiceSchema } from '../case/case.entities.js';
import type { Em } from '../db/orm.js';
import { RatingSchema } from '../rating/rating.entity.js';
import { auditMaskedRaterView, toRatingView } from '../rating/rating.view.js';
import type { RectFigures } from './figures.logic.js';
import { caseHistory, caseNames } from './rectification.query.js';
import type { RectCase } from './rectification.entities.js';
import { ACTION_NAMES, allowedActions, STATE_NAMES } from './rectification.logic.js';
import { loadRegionRules, type RegionRules } from './settings.store.js';
import type {
  AppealDecisionEnum,
  FindingEnum,
  RectActionEnum,
  RectCaseView,
  RectClassEnum,
  RectFiguresView,
  RectStateEnum,
  RectStepView,
} from './rectification.types.js';

const date = (ms: number | null): Date | null => (ms === null ? null : new Date(ms));

/** Case views for a page of cases: names loaded once, allowed actions for this caller. */
export async function toCaseViews(app: RectificationDeps, actor: Actor, cases: RectCase[], detail = false): Promise<RectCaseView[]> {
  const names = await caseNames(app, cases);
  const em = app.orm.em.fork() as Em;
  const rules = new Map<string, RegionRules>();
  for (const code of new Set(cases.map((c) => c.regionCode))) rules.set(code, await loadRegionRules(em, code));
  const now = app.clock.now().getTime();
  const views: RectCaseView[] = [];
  for (const c of cases) {
    const item = names.item.get(c.itemId);
    const view: RectCaseView = {
      id: c.id,
      state: c.state as RectStateEnum,
      stateName: STATE_NAMES[c.state],
      ratingId: c.ratingId,
      projectNo: c.projectNo,
      serviceNumber: c.serviceNumber,
      itemName: item?.name ?? '',
      taskCode: item?.taskCode ?? '',
      departmentId: c.departmentId,
      departmentName: names.department.get(c.departmentId) ?? '',
      handlingDepartmentName: c.handlingDepartmentId ? (names.department.get(c.handlingDepartmentId) ?? null) : null,
      handler: c.handler,
      staffWorkNo: c.staffId ? (names.staff.get(c.staffId)?.workNo ?? null) : null,
      level: c.level,
      levelName: LEVELS.find((l) => l.value === c.level)?.name ?? String(c.level),
      finding: c.finding as FindingEnum | null,
      reasonable: c.reasonable,
      rectClass: c.rectClass as RectClassEnum | null,
      proposedHandling: c.proposedHandling,
      leaderInstruction: c.leaderInstruction,
      content: c.content,
      reply: c.reply,
      callbackAttempts: c.callbackAttempts,
      callbackReached: c.callbackReached,
      callbackSatisfaction: c.callbackSatisfaction,
      calledBackAt: date(c.calledBackAt),
      rerateLevel: c.rerateLevel,
      openedAt: new Date(c.openedAt),
      dueAt: date(c.dueAt),
      stageDueAt: date(c.stageDueAt),
      rectifyDueAt: new Date(c.rectifyDueAt),
      extensions: c.extensions,
      extensionReason: c.extensionReason,
      paused: c.pausedAt !== null,
      overdue: c.overdue || (c.dueAt !== null && now >= c.dueAt),
      everOverdue: c.everOverdue,
      onTime: c.onTime,
      escalationLevel: c.escalationLevel,
      escalatedAt: date(c.escalatedAt),
      appeal:
        c.appealedAt === null
          ? null
          : {
              reason: c.appealReason ?? '',
              by: c.appealBy ?? '',
              at: new Date(c.appealedAt),
              decision: c.appealDecision as AppealDecisionEnum | null,
              decidedAt: date(c.appealDecidedAt),
              decidedBy: c.appealDecidedBy,
              note: c.appealNote,
            },
      invalidReason: c.invalidReason,
      problemId: c.problemId,
      closedAt: date(c.closedAt),
      allowedActions: allowedActions(c, { now, rules: rules.get(c.regionCode)!.rules }, actor.role) as RectActionEnum[],
      rating: null,
      history: [],
    };
    if (detail) {
      const rating = await em.findOne(RatingSchema, { id: c.ratingId });
      const service = rating ? await em.findOne(ServiceSchema, { id: rating.serviceId }) : null;
      if (rating && service) view.rating = toRatingView(rating, service, actor, await app.tags.byCode());
      view.history = (await caseHistory(app, c.id)).map((s): RectStepView => ({
        seq: s.seq,
        action: s.action as RectActionEnum,
        actionName: ACTION_NAMES[s.action as keyof typeof ACTION_NAMES] ?? s.action,
        fromState: s.fromState as RectStateEnum | null,
        toState: s.toState as RectStateEnum,
        actor: s.actorName,
        actorRole: s.actorRole,
        at: new Date(s.at),
        note: s.note,
        attachments: s.attachments ? (JSON.parse(s.attachments) as string[]) : [],
        data: s.data,
      }));
    }
    views.push(view);
  }
  if (detail)
    await auditMaskedRaterView(
      app,
      actor,
      views.length === 1 ? `rect_case:${views[0]!.id}` : 'rect_case',
      views.map((v) => v.rating),
    );
  return views;
}

export function toFiguresView(scope: string, period: string, f: RectFigures): RectFiguresView {
  const { counts } = f;
  return {
    scope,
    period,
    cases: counts.cases,
    open: counts.open,
    rectified: counts.rectified,
    onTime: counts.onTime,
    calledBack: counts.calledBack,
    callbackRated: counts.callbackRated,
    callbackSatisfied: counts.callbackSatisfied,
    closed: counts.closed,
    overdueOpen: counts.overdueOpen,
    overdueEver: counts.overdueEver,
    appealed: counts.appealed,
    invalidated: counts.invalidated,
    rerated: counts.rerated,
    reratedGood: counts.reratedGood,
    rectificationRate: f.rectificationRate,
    onTimeRate: f.onTimeRate,
    callbackRate: f.callbackRate,
    callbackSatisfactionRate: f.callbackSatisfactionRate,
    averageLevelBefore: f.averageLevelBefore,
    averageLevelAfter: f.averageLevelAfter,
    recoveredRate: f.recoveredRate,
  };
}
