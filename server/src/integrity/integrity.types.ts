import { Field, GraphQLISODateTime, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum SignalKindEnum {
  BURST = 'BURST',
  SELF_RATING = 'SELF_RATING',
  IDENTICAL_COMMENT = 'IDENTICAL_COMMENT',
  OFF_HOURS = 'OFF_HOURS',
  OUTLIER_DEPARTMENT = 'OUTLIER_DEPARTMENT',
}
registerEnumType(SignalKindEnum, {
  name: 'FraudSignalKind',
  description: 'R18 detectors: 集中好评 (one device, phone, token issuer or address), 工作人员自评, 雷同评价内容, 非办公时间窗口评价, 部门指标异常偏高',
});

export enum SignalStateEnum {
  OPEN = 'OPEN',
  UPHELD = 'UPHELD',
  DISMISSED = 'DISMISSED',
}
registerEnumType(SignalStateEnum, { name: 'FraudSignalState', description: '待复核, 已认定 (ratings invalidated), 已排除 (ratings kept)' });

export enum ReviewDecisionEnum {
  UPHOLD = 'UPHOLD',
  DISMISS = 'DISMISS',
}
registerEnumType(ReviewDecisionEnum, { name: 'FraudReviewDecision', description: 'UPHOLD invalidates the flagged ratings (R18); DISMISS keeps them' });

@ObjectType({ description: 'R18: a suspicious pattern of ratings found by a detector, waiting for or after a supervisor review' })
export class FraudSignalView {
  @Field(() => Int) id!: number;
  @Field(() => SignalKindEnum) kind!: SignalKindEnum;
  @Field(() => String, { description: 'The kind in Chinese' }) kindName!: string;
  @Field(() => String, { description: 'Why this was flagged, in Chinese' }) explanation!: string;
  @Field(() => String, { description: 'Machine fields of the finding (JSON): source, counts, thresholds' }) detail!: string;
  @Field(() => String) regionCode!: string;
  @Field(() => Int, { nullable: true }) departmentId!: number | null;
  @Field(() => String, { nullable: true }) departmentName!: string | null;
  @Field(() => [Int], { description: 'The flagged ratings (none for a department outlier)' }) ratingIds!: number[];
  @Field(() => Int) ratingCount!: number;
  @Field(() => GraphQLISODateTime, { nullable: true }) firstAt!: Date | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) lastAt!: Date | null;
  @Field(() => SignalStateEnum) state!: SignalStateEnum;
  @Field(() => String, { nullable: true }) reviewedBy!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) reviewedAt!: Date | null;
  @Field(() => String, { nullable: true }) reviewNote!: string | null;
  @Field(() => Int, { nullable: true, description: 'Ratings the upholding invalidated' }) invalidatedCount!: number | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
}

@ObjectType()
export class FraudSignalPage {
  @Field(() => Int) total!: number;
  @Field(() => [FraudSignalView]) items!: FraudSignalView[];
}

@InputType()
export class FraudSignalFilter {
  @Field(() => SignalStateEnum, { nullable: true }) state?: SignalStateEnum;
  @Field(() => SignalKindEnum, { nullable: true }) kind?: SignalKindEnum;
  @Field(() => String, { nullable: true }) regionCode?: string;
  @Field(() => Int, { nullable: true }) departmentId?: number;
  @Field(() => Int, { nullable: true }) limit?: number;
  @Field(() => Int, { nullable: true }) offset?: number;
}

@ObjectType({ description: 'What one detection run found' })
export class FraudDetectionReport {
  @Field(() => String) period!: string;
  @Field(() => String, { nullable: true }) regionCode!: string | null;
  @Field(() => Int, { description: 'Signals found by the detectors (stored before or now)' }) found!: number;
  @Field(() => Int) created!: number;
  @Field(() => Int) updated!: number;
}

@ObjectType()
export class ThemeBreakdown {
  @Field(() => Int) id!: number;
  @Field(() => String) name!: string;
  @Field(() => Int) count!: number;
}

@ObjectType()
export class ThemeMonth {
  @Field(() => String) month!: string;
  @Field(() => Int) count!: number;
}

@ObjectType({ description: '社情民意: a word of the comments, with its mentions (one per comment)' })
export class CommentThemeView {
  @Field(() => String) term!: string;
  @Field(() => Int, { description: 'Comments mentioning it this month' }) count!: number;
  @Field(() => Int) previousCount!: number;
  @Field(() => Boolean, { description: 'Rising: at least THEME_MIN_COUNT and THEME_RISE_RATIO times last month' }) rising!: boolean;
  @Field(() => Boolean, { description: 'Confirmed by a supervisor: shown publicly as a hot tag' }) confirmed!: boolean;
  @Field(() => [ThemeMonth]) months!: ThemeMonth[];
  @Field(() => [ThemeBreakdown]) departments!: ThemeBreakdown[];
  @Field(() => [ThemeBreakdown]) items!: ThemeBreakdown[];
}

@InputType()
export class CommentThemeFilter {
  @Field(() => String, { nullable: true, description: 'YYYY-MM; this month when absent' }) month?: string;
  @Field(() => String, { nullable: true }) regionCode?: string;
  @Field(() => Int, { nullable: true }) departmentId?: number;
  @Field(() => Int, { nullable: true }) itemId?: number;
  @Field(() => Int, { nullable: true, description: 'Only comments of ratings at or below this level (2: bad reviews)' }) maxLevel?: number;
  @Field(() => Int, { nullable: true }) limit?: number;
}

@ObjectType({ description: 'A theme a supervisor confirmed for a region' })
export class ConfirmedThemeView {
  @Field(() => String) term!: string;
  @Field(() => String) regionCode!: string;
  @Field(() => String) confirmedBy!: string;
  @Field(() => GraphQLISODateTime) confirmedAt!: Date;
  @Field(() => String, { nullable: true }) note!: string | null;
}

@ObjectType({ description: 'A public hot theme (confirmed by a supervisor) and its mentions this month' })
export class PublicThemeView {
  @Field(() => String) term!: string;
  @Field(() => Int) count!: number;
}
