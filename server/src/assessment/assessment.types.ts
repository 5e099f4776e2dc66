import { Field, Float, GraphQLISODateTime, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum PeerGroupKindEnum {
  DEPARTMENTS = 'DEPARTMENTS',
  REGIONS = 'REGIONS',
  HALL_STAFF = 'HALL_STAFF',
}
registerEnumType(PeerGroupKindEnum, {
  name: 'PeerGroupKind',
  description:
    'Peer groups ranked together (R22): DEPARTMENTS of a region (city departments, district departments), REGIONS below a region (districts of a city, townships of a district), HALL_STAFF (staff of one hall)',
});

export enum SupervisionDecisionEnum {
  CONFIRMED = 'CONFIRMED',
  DISMISSED = 'DISMISSED',
}
registerEnumType(SupervisionDecisionEnum, {
  name: 'SupervisionDecision',
  description: 'R23: a supervisor confirms (确认) or dismisses (撤销) a key-supervision entry',
});

@InputType({ description: 'A peer group: regionCode for DEPARTMENTS and REGIONS, hallId for HALL_STAFF' })
export class PeerGroupInput {
  @Field(() => PeerGroupKindEnum) kind!: PeerGroupKindEnum;
  @Field(() => String, { nullable: true }) regionCode?: string | null;
  @Field(() => Int, { nullable: true }) hallId?: number | null;
}

@InputType({ description: 'Whose scores: a peer group, optionally one unit of it (scope key D:<id>, R:<code>, S:<id>)' })
export class AssessmentFilter {
  @Field(() => PeerGroupInput) group!: PeerGroupInput;
  @Field(() => String, { nullable: true }) unitKey?: string | null;
}

@ObjectType({ description: 'One of the four dimensions of R22 for a unit in a period' })
export class AssessmentDimension {
  @Field(() => String, { description: 'quality, active, rectification or callback' }) key!: string;
  @Field(() => String) name!: string;
  @Field(() => Float, { nullable: true, description: 'The rate 0–1; null without a sample' }) value!: number | null;
  @Field(() => Float, { nullable: true, description: 'Its Wilson lower bound at the configured confidence' }) lower!: number | null;
  @Field(() => Int) sample!: number;
  @Field(() => Float) weight!: number;
}

@ObjectType({ description: 'A unit’s composite score (R22) and its place in its peer group' })
export class AssessmentScore {
  @Field(() => String, { description: 'Scope key: D:<department id>, R:<region code>, S:<staff id>' }) unitKey!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { description: 'Valid ratings in the period' }) total!: number;
  @Field(() => Float, { nullable: true, description: 'Weighted mean of the observed rates, 0–100' }) score!: number | null;
  @Field(() => Float, { nullable: true, description: 'Weighted mean of the Wilson lower bounds, 0–100: what ranks' }) fairScore!: number | null;
  @Field(() => Int, { nullable: true, description: 'Rank in the group; null when not ranked' }) rank!: number | null;
  @Field(() => Boolean) ranked!: boolean;
  @Field(() => String, { nullable: true, description: 'Why it stands there (ties broken, too small a sample), in Chinese' }) note!: string | null;
  @Field(() => Int, { description: 'Rectifications overdue at the period end' }) overdue!: number;
  @Field(() => [AssessmentDimension]) dimensions!: AssessmentDimension[];
}

@ObjectType({ description: 'A peer group ranked for a period (R22)' })
export class Ranking {
  @Field(() => String) groupKey!: string;
  @Field(() => String) groupLabel!: string;
  @Field(() => String) period!: string;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When a closed period’s figures were frozen; null for an open period' })
  frozenAt!: Date | null;
  @Field(() => Int) minSample!: number;
  @Field(() => Int, { description: 'Confidence of the lower bound, %' }) confidence!: number;
  @Field(() => String, { description: 'The tie-break order, in Chinese' }) tieBreakOrder!: string;
  @Field(() => [AssessmentScore]) rows!: AssessmentScore[];
}

@ObjectType({ description: 'An entry of the key-supervision list (R23)' })
export class SupervisionEntryView {
  @Field(() => Int) id!: number;
  @Field(() => String) regionCode!: string;
  @Field(() => String) period!: string;
  @Field(() => String) groupKey!: string;
  @Field(() => String) groupLabel!: string;
  @Field(() => String) unitKey!: string;
  @Field(() => String) unitName!: string;
  @Field(() => [String]) reasons!: string[];
  @Field(() => SupervisionDecisionEnum, { nullable: true }) decision!: SupervisionDecisionEnum | null;
  @Field(() => String, { nullable: true }) note!: string | null;
  @Field(() => String, { nullable: true }) decidedBy!: string | null;
  @Field(() => GraphQLISODateTime, { nullable: true }) decidedAt!: Date | null;
}

@ObjectType({ description: 'An assessment setting in force for a region, with its default' })
export class AssessmentSettingView {
  @Field(() => String) key!: string;
  @Field(() => String) value!: string;
  @Field(() => String) defaultValue!: string;
  @Field(() => String, { nullable: true, description: 'The region whose override applies; null = the default' }) regionCode!: string | null;
}

@ObjectType({ description: 'A department on the big screen’s ranking (R21/R22)' })
export class ScreenRankingRow {
  @Field(() => String, { description: 'Department id' }) key!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { nullable: true, description: 'Ratings; null when withheld (too few for the public)' }) total!: number | null;
  @Field(() => Int, { nullable: true }) good!: number | null;
  @Field(() => Float, { nullable: true }) goodRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'Wilson lower bound of the good rate at the region’s confidence: what ranks' })
  goodRateLower!: number | null;
  @Field(() => Int, { nullable: true, description: 'Rank; null when not ranked (样本不足)' }) rank!: number | null;
  @Field(() => Boolean) ranked!: boolean;
  @Field(() => Boolean) suppressed!: boolean;
  @Field(() => String, { nullable: true, description: 'Why it stands there (ties, 样本不足), in Chinese' }) note!: string | null;
}

@ObjectType({ description: 'The big screen’s fair department ranking, with the settings that made it (R21/R22)' })
export class ScreenRanking {
  @Field(() => String) scope!: string;
  @Field(() => String, { nullable: true, description: 'The region whose assessment settings apply; null = the defaults' }) settingsRegion!: string | null;
  @Field(() => Int) minSample!: number;
  @Field(() => Int, { description: 'Confidence of the lower bound, %' }) confidence!: number;
  @Field(() => String, { description: 'The tie-break order, in Chinese' }) tieBreakOrder!: string;
  @Field(() => Int, { description: 'Departments in the group: all of them are ranked (or listed apart: 样本不足, withheld)' }) units!: number;
  @Field(() => Int, { description: 'Departments of the group with a rank' }) rankedUnits!: number;
  @Field(() => [ScreenRankingRow], { description: 'Best first, at most `limit`' }) rows!: ScreenRankingRow[];
  @Field(() => Float) seq!: number;
  @Field(() => String) asOf!: string;
}
