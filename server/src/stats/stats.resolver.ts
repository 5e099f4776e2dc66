import { Arg, Authorized, Ctx, Int, Query, Resolver, Root, Subscription } from 'type-graphql';
import type { Context } from '../common/context.js';
import { liveSnapshots, type LiveDeps } from './live-topics.js';
import { breakdown, dimensionFigures, hotTags, overview, trend } from './stats.service.js';
import { figureComparison } from './comparison.service.js';
import {
  Breakdown,
  BreakdownByEnum,
  Dimensions,
  FigureComparison,
  HotTags,
  Overview,
  RatingFeed,
  StatsFilter,
  Trend,
  TrendGranularityEnum,
} from './stats.types.js';

// Every field admits any caller: who may read which scope (per-staff figures, a department's own
// subtree, a supervisor's region, the public minimum) is decided in stats.service, for queries and
// live topics alike.

@Resolver()
export class StatsQueryResolver {
  @Authorized('public')
  @Query(() => Overview, { description: 'Totals, good/bad counts and rates, by level and by channel (R21)' })
  overview(@Arg('filter', () => StatsFilter, { nullable: true }) filter: StatsFilter | null, @Ctx() { app, actor }: Context<LiveDeps>): Promise<Overview> {
    return overview(app, actor, filter);
  }

  @Authorized('public')
  @Query(() => Breakdown, { description: 'Figures per child region, department, channel, item or staff member, ranked by total' })
  breakdown(
    @Arg('filter', () => StatsFilter, { nullable: true }) filter: StatsFilter | null,
    @Arg('by', () => BreakdownByEnum) by: BreakdownByEnum,
    @Arg('limit', () => Int, { nullable: true, description: 'At most this many rows (default: all; 100 for ITEM and STAFF)' }) limit: number | null,
    @Ctx() { app, actor }: Context<LiveDeps>,
  ): Promise<Breakdown> {
    return breakdown(app, actor, filter, by, limit) as Promise<Breakdown>;
  }

  @Authorized('public')
  @Query(() => Trend, { description: 'A series by hour, day or month; without from/to: today, the last 30 days, the last 12 months' })
  trend(
    @Arg('filter', () => StatsFilter, { nullable: true }) filter: StatsFilter | null,
    @Arg('granularity', () => TrendGranularityEnum) granularity: TrendGranularityEnum,
    @Ctx() { app, actor }: Context<LiveDeps>,
  ): Promise<Trend> {
    return trend(app, actor, filter, granularity) as Promise<Trend>;
  }

  @Authorized('public')
  @Query(() => HotTags, { description: '热门评价标签: the most chosen tags' })
  hotTags(
    @Arg('filter', () => StatsFilter, { nullable: true }) filter: StatsFilter | null,
    @Arg('limit', () => Int, { nullable: true, description: '1–50, default 10' }) limit: number | null,
    @Ctx() { app, actor }: Context<LiveDeps>,
  ): Promise<HotTags> {
    return hotTags(app, actor, filter, limit);
  }

  @Authorized('public')
  @Query(() => Dimensions, { description: 'The seven optional dimensions (R3) over any period (default: all time), from their rollups' })
  dimensions(@Arg('filter', () => StatsFilter, { nullable: true }) filter: StatsFilter | null, @Ctx() { app, actor }: Context<LiveDeps>): Promise<Dimensions> {
    return dimensionFigures(app, actor, filter);
  }

  @Authorized('department', 'supervisor', 'admin')
  @Query(() => FigureComparison, {
    description:
      'A department or region next to its own previous period of equal length and its peers (same kind, same parent): good rate, ratings, mean level, each dimension (R3, R21, R22)',
  })
  figureComparison(
    @Arg('filter', () => StatsFilter, { nullable: true }) filter: StatsFilter | null,
    @Ctx() { app, actor }: Context<LiveDeps>,
  ): Promise<FigureComparison> {
    return figureComparison(app, actor, filter);
  }
}

/**
 * Live versions. Served by the live hub: normally through `createLiveSubscribeHandler` (one execution
 * and one serialisation per topic update); the `subscribe` functions below are the fallback when an
 * operation reaches type-graphql directly (then each subscriber is executed separately).
 */
@Resolver()
export class StatsLiveResolver {
  @Authorized('public')
  @Subscription(() => Overview, {
    description: 'The overview, at once and after every change (coalesced; whole snapshots with a sequence number)',
    subscribe: ({ args, context }) => liveSnapshots((context as Context<LiveDeps>).app, (context as Context<LiveDeps>).actor, 'overviewChanged', args),
  })
  overviewChanged(@Root() snapshot: Overview, @Arg('filter', () => StatsFilter, { nullable: true }) _filter: StatsFilter | null): Overview {
    return snapshot;
  }

  @Authorized('public')
  @Subscription(() => HotTags, {
    description: 'Hot tags, at once and after every change',
    subscribe: ({ args, context }) => liveSnapshots((context as Context<LiveDeps>).app, (context as Context<LiveDeps>).actor, 'hotTagsChanged', args),
  })
  hotTagsChanged(
    @Root() snapshot: HotTags,
    @Arg('filter', () => StatsFilter, { nullable: true }) _filter: StatsFilter | null,
    @Arg('limit', () => Int, { nullable: true }) _limit: number | null,
  ): HotTags {
    return snapshot;
  }

  @Authorized('public')
  @Subscription(() => Breakdown, {
    description: 'A breakdown, at once and after every change',
    subscribe: ({ args, context }) => liveSnapshots((context as Context<LiveDeps>).app, (context as Context<LiveDeps>).actor, 'breakdownChanged', args),
  })
  breakdownChanged(
    @Root() snapshot: Breakdown,
    @Arg('filter', () => StatsFilter, { nullable: true }) _filter: StatsFilter | null,
    @Arg('by', () => BreakdownByEnum) _by: BreakdownByEnum,
    @Arg('limit', () => Int, { nullable: true }) _limit: number | null,
  ): Breakdown {
    return snapshot;
  }

  @Authorized('public')
  @Subscription(() => Dimensions, {
    description: 'The seven dimensions (R3) of a scope, at once and after every change (as the `dimensions` query)',
    subscribe: ({ args, context }) => liveSnapshots((context as Context<LiveDeps>).app, (context as Context<LiveDeps>).actor, 'dimensionsChanged', args),
  })
  dimensionsChanged(@Root() snapshot: Dimensions, @Arg('filter', () => StatsFilter, { nullable: true }) _filter: StatsFilter | null): Dimensions {
    return snapshot;
  }

  @Authorized('department', 'supervisor', 'admin')
  @Subscription(() => FigureComparison, {
    description: 'The `figureComparison` of a department or region, at once and after every change to it or to one of its peers',
    subscribe: ({ args, context }) => liveSnapshots((context as Context<LiveDeps>).app, (context as Context<LiveDeps>).actor, 'figureComparisonChanged', args),
  })
  figureComparisonChanged(
    @Root() snapshot: FigureComparison,
    @Arg('filter', () => StatsFilter, { nullable: true }) _filter: StatsFilter | null,
  ): FigureComparison {
    return snapshot;
  }

  @Authorized('public')
  @Subscription(() => RatingFeed, {
    description:
      'The latest ratings (never the rater or the comment; on public feeds no window or staff, and bad reviews held back, R12), at once, after every change and when a held-back entry falls due',
    subscribe: ({ args, context }) => liveSnapshots((context as Context<LiveDeps>).app, (context as Context<LiveDeps>).actor, 'ratingFeed', args),
  })
  ratingFeed(
    @Root() snapshot: RatingFeed,
    @Arg('filter', () => StatsFilter, { nullable: true }) _filter: StatsFilter | null,
    @Arg('limit', () => Int, { nullable: true, description: '1–50, default 20' }) _limit: number | null,
  ): RatingFeed {
    return snapshot;
  }
}

/** The stats resolvers, to add to the schema's resolver list. */
export const statsResolvers = [StatsQueryResolver, StatsLiveResolver] as const;

/**
 * type-graphql refuses to build a schema with subscriptions without a `pubSub`, even when every
 * subscription brings its own `subscribe` (ours do, and events travel on `app.bus`). Pass this one to
 * `buildSchema({ pubSub: livePubSub })`; nothing ever publishes or subscribes through it.
 */
export const livePubSub = {
  publish(): void {},
  subscribe(routingKey: string): AsyncIterable<unknown> {
    throw new TypeError(`topic-based subscriptions are not used (asked for '${routingKey}'); live fields subscribe through the live hub`);
  },
};
