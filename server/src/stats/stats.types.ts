import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum BreakdownByEnum {
  REGION = 'REGION',
  DEPARTMENT = 'DEPARTMENT',
  CHANNEL = 'CHANNEL',
  ITEM = 'ITEM',
  STAFF = 'STAFF',
}
registerEnumType(BreakdownByEnum, {
  name: 'BreakdownBy',
  description: 'What a breakdown lists: child regions (city → districts → townships), departments, channels, items or staff',
});

export enum TrendGranularityEnum {
  HOUR = 'HOUR',
  DAY = 'DAY',
  MONTH = 'MONTH',
}
registerEnumType(TrendGranularityEnum, { name: 'TrendGranularity', description: 'Points of a trend (Asia/Shanghai calendar)' });

@InputType({ description: 'Which ratings a figure counts. At most one of regionCode, departmentId, itemId and staffId.' })
export class StatsFilter {
  @Field(() => String, { nullable: true, description: '12-digit 行政区划代码 (6 or 9 digits are padded)' }) regionCode?: string | null;
  @Field(() => Int, { nullable: true, description: 'A department and its sub-units' }) departmentId?: number | null;
  @Field(() => Int, { nullable: true }) itemId?: number | null;
  @Field(() => Int, { nullable: true, description: 'Per-staff figures: department (own), supervisor or admin only' }) staffId?: number | null;
  @Field(() => String, { nullable: true, description: 'PC, APP, MINI_PROGRAM, QR, WINDOW, TERMINAL, HOTLINE, SMS, IMPORT or DEFAULT' }) channel?: string | null;
  @Field(() => String, { nullable: true, description: 'First day, YYYY-MM-DD (Asia/Shanghai), inclusive' }) from?: string | null;
  @Field(() => String, { nullable: true, description: 'Last day, YYYY-MM-DD (Asia/Shanghai), inclusive' }) to?: string | null;
  @Field(() => Boolean, { nullable: true, description: 'Consultation (咨询类) figures instead of handled cases (R10)' }) consultation?: boolean | null;
}

@ObjectType('Figures', {
  description: 'Exact counts and rates. Null with suppressed = true when a public caller asks for figures of fewer ratings than the configured minimum.',
})
export abstract class FiguresFields {
  @Field(() => Int, { nullable: true, description: 'Valid ratings, defaults included' }) total!: number | null;
  @Field(() => Int, { nullable: true, description: '好评: levels 5, 4, 3' }) good!: number | null;
  @Field(() => Int, { nullable: true, description: '差评: levels 2, 1' }) bad!: number | null;
  @Field(() => Int, { nullable: true, description: 'Given by the rater (not defaulted)' }) active!: number | null;
  @Field(() => Int, { nullable: true, description: 'Recorded as default 基本满意 after 7 days (R11)' }) defaulted!: number | null;
  @Field(() => Float, { nullable: true, description: 'good / total, exact (round only for display)' }) goodRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'bad / total' }) badRate!: number | null;
  @Field(() => Float, { nullable: true, description: '主动评价好评率: good active / active' }) activeGoodRate!: number | null;
  @Field(() => Float, { nullable: true, description: '未评率: defaulted / total' }) unratedRate!: number | null;
  @Field(() => Boolean, { description: 'Withheld: computed from fewer ratings than the public minimum' }) suppressed!: boolean;
}

@ObjectType()
export class LevelCount {
  @Field(() => Int) level!: number;
  @Field(() => String) name!: string;
  @Field(() => Int, { nullable: true }) count!: number | null;
}

@ObjectType()
export class ChannelFigures extends FiguresFields {
  @Field(() => String) channel!: string;
  @Field(() => String) name!: string;
}

@ObjectType({ description: 'The figures of one scope (R21). Every message of overviewChanged is a whole snapshot.' })
export class Overview extends FiguresFields {
  @Field(() => String, { description: 'Rollup scope: T, R:<region>, D:<department>, I:<item> or S:<staff>' }) scope!: string;
  @Field(() => [LevelCount]) byLevel!: LevelCount[];
  @Field(() => [ChannelFigures]) byChannel!: ChannelFigures[];
  @Field(() => Float, { description: 'Increases with every snapshot of a topic (milliseconds-based integer)' }) seq!: number;
  @Field(() => String, { description: 'When the snapshot was computed, ISO 8601 in Asia/Shanghai time' }) asOf!: string;
}

@ObjectType()
export class BreakdownRow extends FiguresFields {
  @Field(() => String, { description: 'Region code, department/item/staff id, or channel: pass it back in the filter to drill down' }) key!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { nullable: true, description: 'Region code, credit code, 实施编码, 工号 or channel' }) code!: string | null;
  @Field(() => String, { nullable: true, description: 'For regions: CITY, DISTRICT, TOWNSHIP or VILLAGE' }) regionLevel!: string | null;
}

@ObjectType({ description: 'Figures of the units one level below the filter, ranked by total' })
export class Breakdown {
  @Field(() => String) scope!: string;
  @Field(() => BreakdownByEnum) by!: BreakdownByEnum;
  @Field(() => [BreakdownRow]) rows!: BreakdownRow[];
  @Field(() => Float) seq!: number;
  @Field(() => String) asOf!: string;
}

@ObjectType()
export class TrendPoint extends FiguresFields {
  @Field(() => Int, { description: 'YYYYMM, YYYYMMDD or YYYYMMDDHH' }) period!: number;
  @Field(() => String, { description: 'Start of the point, ISO 8601 in Asia/Shanghai time' }) start!: string;
}

@ObjectType()
export class Trend {
  @Field(() => String) scope!: string;
  @Field(() => TrendGranularityEnum) granularity!: TrendGranularityEnum;
  @Field(() => [TrendPoint]) points!: TrendPoint[];
  @Field(() => Float) seq!: number;
  @Field(() => String) asOf!: string;
}

@ObjectType({ description: '热门评价标签: a tag of the national dictionary and how often it was chosen' })
export class HotTag {
  @Field(() => String) code!: string;
  @Field(() => String) name!: string;
  @Field(() => String) nameEn!: string;
  @Field(() => Int) level!: number;
  @Field(() => Int) count!: number;
}

@ObjectType()
export class HotTags {
  @Field(() => String) scope!: string;
  @Field(() => Int, { nullable: true, description: 'Ratings in the scope (the base of tag shares)' }) total!: number | null;
  @Field(() => Boolean) suppressed!: boolean;
  @Field(() => [HotTag]) tags!: HotTag[];
  @Field(() => Float) seq!: number;
  @Field(() => String) asOf!: string;
}

@ObjectType({ description: 'One of the seven optional dimensions (R3): how often and how well it was scored' })
export class DimensionFigure {
  @Field(() => String, { description: 'commitment, attitude, materials, efficiency, trips, mechanism or integrity' }) key!: string;
  @Field(() => String) name!: string;
  @Field(() => Int, { nullable: true, description: 'Ratings that scored it; null when withheld (public minimum)' }) rated!: number | null;
  @Field(() => Float, { nullable: true, description: 'Mean level 1–5' }) average!: number | null;
  @Field(() => Int, { nullable: true, description: 'Levels 5–3' }) good!: number | null;
  @Field(() => Float, { nullable: true }) goodRate!: number | null;
}

@ObjectType()
export class Dimensions {
  @Field(() => String) scope!: string;
  @Field(() => [DimensionFigure]) dimensions!: DimensionFigure[];
  @Field(() => Float) seq!: number;
  @Field(() => String) asOf!: string;
}

@ObjectType({ description: 'A recent rating: never the rater or the comment; window and staff only for officials (R12)' })
export class FeedEntry {
  @Field(() => Int) id!: number;
  @Field(() => Int) level!: number;
  @Field(() => String) levelName!: string;
  @Field(() => String) channel!: string;
  @Field(() => String) channelName!: string;
  @Field(() => String, { description: 'Date and time, ISO 8601 in Asia/Shanghai time (screens show the date of entries not from today)' })
  ratedAt!: string;
  @Field(() => [String], { description: 'Tag codes' }) tags!: string[];
  @Field(() => String) itemName!: string;
  @Field(() => String) departmentName!: string;
  @Field(() => String) regionCode!: string;
  @Field(() => String, { nullable: true, description: 'Window number; officials only, null on every public feed (R12)' }) windowNo?: string | null;
  @Field(() => String, { nullable: true, description: 'Staff 工号; officials only, null on every public feed (R12)' }) staffWorkNo?: string | null;
}

@ObjectType({
  description:
    'The latest ratings. Public feeds (anonymous, screen and embed tokens) show no window or staff, a bad review only FEED_BAD_DELAY_MINUTES after it was given, and on a hall-sized scope (district, township, village, department, item) no bad review at all: those are only in the counts (R12). Officials see every entry at once.',
})
export class RatingFeed {
  @Field(() => String) scope!: string;
  @Field(() => [FeedEntry]) entries!: FeedEntry[];
  @Field(() => Float) seq!: number;
  @Field(() => String) asOf!: string;
}

@ObjectType({ description: 'One dimension (R3) in a comparison' })
export class ComparedDimension {
  @Field(() => String) key!: string;
  @Field(() => String) name!: string;
  @Field(() => Float, { nullable: true, description: 'Ratings that scored it (a median or mean may be fractional; a delta may be negative)' })
  rated!: number | null;
  @Field(() => Float, { nullable: true }) goodRate!: number | null;
}

@ObjectType({ description: 'The figures a comparison sets side by side; null where unknown or withheld (public minimum)' })
export class ComparedFigures {
  @Field(() => Float, { nullable: true, description: 'Valid ratings, defaults included' }) ratings!: number | null;
  @Field(() => Float, { nullable: true, description: 'Levels 5–3 over all ratings' }) goodRate!: number | null;
  @Field(() => Float, { nullable: true, description: 'Mean overall level 1–5' }) averageLevel!: number | null;
  @Field(() => [ComparedDimension]) dimensions!: ComparedDimension[];
}

@ObjectType({ description: 'A department or region next to its previous period of equal length and its peer group (R21, R22)' })
export class FigureComparison {
  @Field(() => String) scope!: string;
  @Field(() => String) name!: string;
  @Field(() => String, { description: 'Which units are its peers' }) peerGroup!: string;
  @Field(() => Int, { description: 'Peers (the unit itself not counted)' }) peers!: number;
  @Field(() => String, { description: 'YYYY-MM-DD; without a range the last 30 days' }) from!: string;
  @Field(() => String) to!: string;
  @Field(() => String) previousFrom!: string;
  @Field(() => String) previousTo!: string;
  @Field(() => ComparedFigures) unit!: ComparedFigures;
  @Field(() => ComparedFigures) previous!: ComparedFigures;
  @Field(() => ComparedFigures, { description: 'Over the peers whose figure is known to the caller' }) peerMedian!: ComparedFigures;
  @Field(() => ComparedFigures) peerMean!: ComparedFigures;
  @Field(() => ComparedFigures, { description: 'unit − previous' }) versusPrevious!: ComparedFigures;
  @Field(() => ComparedFigures, { description: 'unit − peer median' }) versusPeerMedian!: ComparedFigures;
  @Field(() => Float) seq!: number;
  @Field(() => String) asOf!: string;
}
