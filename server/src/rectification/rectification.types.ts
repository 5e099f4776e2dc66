import { Field, Float, GraphQLISODateTime, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RatingView } from '../rating/rating.types.js';

export enum RectStateEnum {
  OPENED = 'OPENED',
  DISPATCHED = 'DISPATCHED',
  VERIFIED = 'VERIFIED',
  CLASSIFIED = 'CLASSIFIED',
  RECTIFIED = 'RECTIFIED',
  FED_BACK = 'FED_BACK',
  CALLED_BACK = 'CALLED_BACK',
  CLOSED = 'CLOSED',
  APPEALED = 'APPEALED',
  INVALIDATED = 'INVALIDATED',
}
registerEnumType(RectStateEnum, {
  name: 'RectState',
  description: 'Rectification case states (R13–R18): 待转办, 待核实, 已核实, 整改中, 已整改, 待回访, 已回访, 已办结, 申诉中, 已作废',
});

export enum RectActionEnum {
  OPEN = 'OPEN',
  DISPATCH = 'DISPATCH',
  VERIFY = 'VERIFY',
  CLASSIFY = 'CLASSIFY',
  RECTIFY = 'RECTIFY',
  FEED_BACK = 'FEED_BACK',
  CALL_BACK = 'CALL_BACK',
  CLOSE = 'CLOSE',
  APPEAL = 'APPEAL',
  DECIDE_APPEAL = 'DECIDE_APPEAL',
  EXTEND = 'EXTEND',
  ESCALATE = 'ESCALATE',
  INVALIDATE = 'INVALIDATE',
  RERATE = 'RERATE',
}
registerEnumType(RectActionEnum, { name: 'RectAction', description: 'Actions on a rectification case; each is one recorded step' });

export enum FindingEnum {
  FOUNDED = 'FOUNDED',
  UNFOUNDED = 'UNFOUNDED',
  MALICIOUS = 'MALICIOUS',
}
registerEnumType(FindingEnum, { name: 'RectFinding', description: '核实: founded (属实), unfounded and explained, suspected malicious (恶意)' });

export enum RectClassEnum {
  SIMPLE = 'SIMPLE',
  GENERAL = 'GENERAL',
  COMPLEX = 'COMPLEX',
}
registerEnumType(RectClassEnum, { name: 'RectClass', description: 'R14: 立整立改 simple, 限时整改 general, 综合协调 complex' });

export enum AppealDecisionEnum {
  UPHELD = 'UPHELD',
  MALICIOUS = 'MALICIOUS',
  REJECTED = 'REJECTED',
}
registerEnumType(AppealDecisionEnum, {
  name: 'AppealDecision',
  description: 'R18: upheld (the review is invalid), malicious (恶意差评, invalid), rejected (the case goes on)',
});

@InputType({ description: 'What every step records besides its own fields (R15)' })
export class StepInput {
  @Field(() => String, { nullable: true, description: 'Note, up to 1000 characters' }) note?: string | null;
  @Field(() => [String], { nullable: true, description: 'Names of attached files (up to 10)' }) attachments?: string[] | null;
}

@InputType()
export class DispatchInput extends StepInput {
  @Field(() => String, { description: 'Handler (承办人) the case is dispatched to' }) handler!: string;
  @Field(() => Int, {
    nullable: true,
    description: 'Unit dispatched to (转办); the responsible department or one of its units. Default: the responsible department',
  })
  departmentId?: number | null;
}

@InputType()
export class VerifyInput extends StepInput {
  @Field(() => FindingEnum) finding!: FindingEnum;
  @Field(() => Boolean, { nullable: true, description: "合理: whether the rater's demand is reasonable" }) reasonable?: boolean | null;
}

@InputType()
export class ClassifyInput extends StepInput {
  @Field(() => RectClassEnum) rectClass!: RectClassEnum;
  @Field(() => String, { nullable: true, description: '拟处理意见' }) proposedHandling?: string | null;
  @Field(() => String, { nullable: true, description: '领导批示' }) leaderInstruction?: string | null;
}

@InputType()
export class RectifyInput extends StepInput {
  @Field(() => String, { description: '整改内容: what was done, at most 255 characters' }) content!: string;
}

@InputType()
export class FeedBackInput extends StepInput {
  @Field(() => String, { description: 'Reply to the rater, sent by SMS and portal message (R17)' }) reply!: string;
}

@InputType()
export class CallbackInput extends StepInput {
  @Field(() => Boolean, { description: 'Whether the rater was reached' }) reached!: boolean;
  @Field(() => Int, { nullable: true, description: "The rater's satisfaction with the fix, 1–5 (5 = 非常满意); only when reached" }) satisfaction?:
    number | null;
}

@InputType()
export class AppealInput extends StepInput {
  @Field(() => String, { description: 'Why the review is mistaken, false or malicious (申诉理由)' }) reason!: string;
}

@InputType()
export class DecideAppealInput extends StepInput {
  @Field(() => AppealDecisionEnum) decision!: AppealDecisionEnum;
}

@InputType()
export class ExtendInput extends StepInput {
  @Field(() => String, { description: 'New rectification deadline, a Shanghai calendar day YYYY-MM-DD (ends at 24:00)' }) newDate!: string;
  @Field(() => String, { description: 'Why the deadline cannot be kept (R16)' }) reason!: string;
}

@InputType({ description: 'Filters of the case queue' })
export class RectCaseFilter {
  @Field(() => [RectStateEnum], { nullable: true }) states?: RectStateEnum[] | null;
  @Field(() => Boolean, { nullable: true, description: 'Only cases past (true) or within (false) their deadline' }) overdue?: boolean | null;
  @Field(() => Int, { nullable: true, description: 'A department and its units' }) departmentId?: number | null;
  @Field(() => Int, { nullable: true }) problemId?: number | null;
  @Field(() => String, { nullable: true, description: '办件编号' }) projectNo?: string | null;
  @Field(() => Int, { nullable: true, description: '1–200, default 50' }) limit?: number | null;
  @Field(() => Int, { nullable: true }) offset?: number | null;
}

@ObjectType({ description: "An appeal (申诉复核) and the supervisor's decision" })
export class AppealView {
  @Field(() => String) reason!: string;
  @Field(() => String) by!: string;
  @Field(() => GraphQLISODateTime) at!: Date;
  @Field(() => AppealDecisionEnum, { nullable: true }) decision?: AppealDecisionEnum | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) decidedAt?: Date | null;
  @Field(() => String, { nullable: true }) decidedBy?: string | null;
  @Field(() => String, { nullable: true }) note?: string | null;
}

@ObjectType({ description: 'One recorded step (R15): who, when, what' })
export class RectStepView {
  @Field(() => Int) seq!: number;
  @Field(() => RectActionEnum) action!: RectActionEnum;
  @Field(() => String) actionName!: string;
  @Field(() => RectStateEnum, { nullable: true }) fromState?: RectStateEnum | null;
  @Field(() => RectStateEnum) toState!: RectStateEnum;
  @Field(() => String, { description: 'Display name of the person, or the system' }) actor!: string;
  @Field(() => String) actorRole!: string;
  @Field(() => GraphQLISODateTime) at!: Date;
  @Field(() => String, { nullable: true }) note?: string | null;
  @Field(() => [String]) attachments!: string[];
  @Field(() => String, { nullable: true, description: "The step's own fields as JSON" }) data?: string | null;
}

@ObjectType({ description: 'A rectification case (整改工单) of a bad review' })
export class RectCaseView {
  @Field(() => Int) id!: number;
  @Field(() => RectStateEnum) state!: RectStateEnum;
  @Field(() => String) stateName!: string;
  @Field(() => Int) ratingId!: number;
  @Field(() => String) projectNo!: string;
  @Field(() => Int) serviceNumber!: number;
  @Field(() => String) itemName!: string;
  @Field(() => String) taskCode!: string;
  @Field(() => Int) departmentId!: number;
  @Field(() => String) departmentName!: string;
  @Field(() => String, { nullable: true }) handlingDepartmentName?: string | null;
  @Field(() => String, { nullable: true }) handler?: string | null;
  @Field(() => String, { nullable: true, description: '工号 of the staff member rated' }) staffWorkNo?: string | null;
  @Field(() => Int, { description: "The bad review's level (2 不满意, 1 非常不满意)" }) level!: number;
  @Field(() => String) levelName!: string;
  @Field(() => FindingEnum, { nullable: true }) finding?: FindingEnum | null;
  @Field(() => Boolean, { nullable: true }) reasonable?: boolean | null;
  @Field(() => RectClassEnum, { nullable: true }) rectClass?: RectClassEnum | null;
  @Field(() => String, { nullable: true }) proposedHandling?: string | null;
  @Field(() => String, { nullable: true }) leaderInstruction?: string | null;
  @Field(() => String, { nullable: true, description: '整改内容' }) content?: string | null;
  @Field(() => String, { nullable: true, description: 'Reply to the rater' }) reply?: string | null;
  @Field(() => Int) callbackAttempts!: number;
  @Field(() => Boolean, { nullable: true }) callbackReached?: boolean | null;
  @Field(() => Int, { nullable: true }) callbackSatisfaction?: number | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) calledBackAt?: Date | null;
  @Field(() => Int, { nullable: true, description: "The rater's own rating of the fix (re-rating after rectification)" }) rerateLevel?: number | null;
  @Field(() => GraphQLISODateTime) openedAt!: Date;
  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'The deadline in force (stage or rectification, whichever is first); null when paused or finished',
  })
  dueAt?: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) stageDueAt?: Date | null;
  @Field(() => GraphQLISODateTime, { description: 'Rectification deadline (R16), counted from the bad review' }) rectifyDueAt!: Date;
  @Field(() => Int) extensions!: number;
  @Field(() => String, { nullable: true }) extensionReason?: string | null;
  @Field(() => Boolean, { description: 'Clocks stopped while an appeal is pending' }) paused!: boolean;
  @Field(() => Boolean, { description: 'The deadline in force has passed' }) overdue!: boolean;
  @Field(() => Boolean) everOverdue!: boolean;
  @Field(() => Boolean, { nullable: true, description: 'Rectified (or explained) before its deadline' }) onTime?: boolean | null;
  @Field(() => Int) escalationLevel!: number;
  @Field(() => GraphQLISODateTime, { nullable: true }) escalatedAt?: Date | null;
  @Field(() => AppealView, { nullable: true }) appeal?: AppealView | null;
  @Field(() => String, { nullable: true }) invalidReason?: string | null;
  @Field(() => Int, { nullable: true, description: 'Common problem (R20) the case belongs to' }) problemId?: number | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) closedAt?: Date | null;
  @Field(() => [RectActionEnum], { description: 'What the caller may do next' }) allowedActions!: RectActionEnum[];
  @Field(() => RatingView, { nullable: true, description: 'The bad review; the rater is masked, and hidden from the rated department (R12)' })
  rating?: RatingView | null;
  @Field(() => [RectStepView], { description: 'Every step, oldest first (only on the single-case query)' }) history!: RectStepView[];
}

@ObjectType()
export class RectCasePage {
  @Field(() => Int) total!: number;
  @Field(() => [RectCaseView]) items!: RectCaseView[];
}

@ObjectType({ description: "The rater's contact data, for the callback only (R12; every view is audited)" })
export class RaterContactView {
  @Field(() => Int) caseId!: number;
  @Field(() => String, { nullable: true }) name?: string | null;
  @Field(() => String, { nullable: true }) mobile?: string | null;
  @Field(() => String, { nullable: true, description: 'The comment as the rater typed it (numbers in it are masked everywhere else, R12)' })
  comment?: string | null;
}

@ObjectType({ description: 'Assessment figures of rectification (R19, R22); exact counts behind every rate' })
export class RectFiguresView {
  @Field(() => String, { description: 'T, R:<region code> or D:<department id>' }) scope!: string;
  @Field(() => String, { description: '"all" or the month YYYY-MM the cases were opened in' }) period!: string;
  @Field(() => Int, { description: 'Cases of valid bad reviews' }) cases!: number;
  @Field(() => Int) open!: number;
  @Field(() => Int, { description: 'Rectified, or explained when unfounded' }) rectified!: number;
  @Field(() => Int) onTime!: number;
  @Field(() => Int, { description: 'Raters reached on the callback' }) calledBack!: number;
  @Field(() => Int) callbackRated!: number;
  @Field(() => Int, { description: 'Callbacks with satisfaction 5–3' }) callbackSatisfied!: number;
  @Field(() => Int) closed!: number;
  @Field(() => Int, { description: 'Open cases past their deadline now' }) overdueOpen!: number;
  @Field(() => Int) overdueEver!: number;
  @Field(() => Int) appealed!: number;
  @Field(() => Int, { description: 'Cases ended because their rating was invalidated (R18); not in the other counts' }) invalidated!: number;
  @Field(() => Int, { description: 'Cases whose fix was rated again (by the rater or on the callback)' }) rerated!: number;
  @Field(() => Int) reratedGood!: number;
  @Field(() => Float, { nullable: true, description: 'rectified / cases' }) rectificationRate?: number | null;
  @Field(() => Float, { nullable: true, description: 'onTime / rectified' }) onTimeRate?: number | null;
  @Field(() => Float, { nullable: true, description: 'calledBack / cases' }) callbackRate?: number | null;
  @Field(() => Float, { nullable: true, description: 'callbackSatisfied / callbackRated' }) callbackSatisfactionRate?: number | null;
  @Field(() => Float, { nullable: true, description: 'Average level of the bad reviews whose fix was rated again' }) averageLevelBefore?: number | null;
  @Field(() => Float, { nullable: true, description: 'Average level given to the fix' }) averageLevelAfter?: number | null;
  @Field(() => Float, { nullable: true, description: 'reratedGood / rerated: share of re-rated cases that recovered to good (5–3)' }) recoveredRate?:
    number | null;
}

@ObjectType()
export class DepartmentRectFigures {
  @Field(() => Int) departmentId!: number;
  @Field(() => String) departmentName!: string;
  @Field(() => RectFiguresView) figures!: RectFiguresView;
}

@ObjectType({ description: 'A common problem (R20): concentrated bad reviews on one item or department' })
export class CommonProblemView {
  @Field(() => Int) id!: number;
  @Field(() => String, { description: 'ITEM or DEPARTMENT' }) groupBy!: string;
  @Field(() => String, { nullable: true }) itemName?: string | null;
  @Field(() => Int) departmentId!: number;
  @Field(() => String) departmentName!: string;
  @Field(() => String, { description: 'OPEN, ANALYSED or CLOSED' }) state!: string;
  @Field(() => GraphQLISODateTime) openedAt!: Date;
  @Field(() => Int) threshold!: number;
  @Field(() => Int) windowDays!: number;
  @Field(() => Int) caseCount!: number;
  @Field(() => Int, { description: 'Cases not yet closed; the problem closes at zero (双归零)' }) openCases!: number;
  @Field(() => String, { nullable: true }) cause?: string | null;
  @Field(() => String, { nullable: true }) measures?: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) closedAt?: Date | null;
  @Field(() => String, { nullable: true }) closeNote?: string | null;
}

@ObjectType({ description: 'A rectification setting in force for a region' })
export class RectSettingView {
  @Field(() => String) key!: string;
  @Field(() => String) value!: string;
  @Field(() => String) defaultValue!: string;
  @Field(() => String, { nullable: true, description: 'Region whose override is in force; null = the default' }) regionCode?: string | null;
}

@ObjectType({ description: 'A day of the working-day calendar that differs from the weekday rule' })
export class HolidayView {
  @Field(() => String, { description: '"" = everywhere' }) regionCode!: string;
  @Field(() => String) date!: string;
  @Field(() => String, { description: 'HOLIDAY or WORKDAY (调休上班)' }) kind!: string;
  @Field(() => String) name!: string;
}

@ObjectType({ description: 'A change of a rectification case, pushed live' })
export class RectChangeView {
  @Field(() => RectActionEnum) action!: RectActionEnum;
  @Field(() => [Int]) caseIds!: number[];
  @Field(() => RectStateEnum, { nullable: true }) state?: RectStateEnum | null;
  @Field(() => Boolean, { nullable: true }) overdue?: boolean | null;
  @Field(() => GraphQLISODateTime) at!: Date;
}

@ObjectType({ description: 'What the rater sees before rating the fix of a bad review: the matter and the reply (no staff, no personal data)' })
export class RerateTicketView {
  @Field(() => String) projectNo!: string;
  @Field(() => String) itemName!: string;
  @Field(() => String, { description: 'The responsible department' }) departmentName!: string;
  @Field(() => GraphQLISODateTime, { description: 'When the bad review was made' }) ratedAt!: Date;
  @Field(() => String, { nullable: true, description: 'The reply to the rater (反馈内容)' }) reply?: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) resolvedAt?: Date | null;
  @Field(() => Boolean, { description: 'The rater has already rated the fix with this link' }) rerated!: boolean;
  @Field(() => Boolean, { description: "The case still takes the rater's rating (false once the review was invalidated)" }) accepting!: boolean;
}

@ObjectType()
export class RerateResult {
  @Field(() => Int) caseId!: number;
  @Field(() => Int) level!: number;
}
