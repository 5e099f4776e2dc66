import type { Credentials } from '../api/credentials.js';
import { ops } from '../api/operations.js';
import type { Breakdown, HotTags, Overview, RatingFeed, RectificationRates, ScreenRanking, StatsFilter, Trend } from '../api/types.js';
import { usePolledQuery, type PolledQuery } from './use-polled-query.js';
import { useLiveTopic, type LiveTopic } from './use-live-topic.js';

/** The live figures of a scope (overviewChanged). */
export function useOverview(filter: () => StatsFilter | null, credentials?: Credentials): LiveTopic<Overview> {
  return useLiveTopic<Overview>(
    ops.screenOverview,
    'overviewChanged',
    () => {
      const f = filter();
      return f ? { filter: f } : null;
    },
    credentials,
  );
}

/** Child regions or departments of a scope, live (breakdownChanged). */
export function useBreakdown(
  filter: () => StatsFilter | null,
  by: 'REGION' | 'DEPARTMENT',
  limit: number | null,
  credentials?: Credentials,
): LiveTopic<Breakdown> {
  return useLiveTopic<Breakdown>(
    ops.screenBreakdown,
    'breakdownChanged',
    () => {
      const f = filter();
      return f ? { filter: f, by, limit } : null;
    },
    credentials,
  );
}

/** 热门评价标签 of a scope, live (hotTagsChanged). */
export function useHotTags(filter: () => StatsFilter | null, limit: number, credentials?: Credentials): LiveTopic<HotTags> {
  return useLiveTopic<HotTags>(
    ops.screenHotTags,
    'hotTagsChanged',
    () => {
      const f = filter();
      return f ? { filter: f, limit } : null;
    },
    credentials,
  );
}

/** The latest ratings of a scope, masked (ratingFeed). */
export function useRatingFeed(filter: () => StatsFilter | null, limit: number, credentials?: Credentials): LiveTopic<RatingFeed> {
  return useLiveTopic<RatingFeed>(
    ops.screenFeed,
    'ratingFeed',
    () => {
      const f = filter();
      return f ? { filter: f, limit } : null;
    },
    credentials,
  );
}

/**
 * The daily trend has no live topic (it changes slowly): it is read once, then again when the scope's
 * overview changes, at most every 15 s.
 */
export function useTrend(filter: () => StatsFilter | null, changed: () => number | null | undefined, credentials?: Credentials): PolledQuery<Trend> {
  return usePolledQuery<Trend>(
    ops.screenTrend,
    () => {
      const f = filter();
      return f ? { filter: f, granularity: 'DAY' } : null;
    },
    (d) => d.trend as Trend | undefined,
    changed,
    credentials,
  );
}

/**
 * Rectification figures of the scope (R19, R22), when the server has the rectification feature: on a
 * server without it the query fails validation and `available` turns false (the screen hides them).
 * Refreshed when the overview changes and every minute (cases become overdue with the clock).
 */
export function useRectification(
  filter: () => StatsFilter | null,
  changed: () => number | null | undefined,
  credentials?: Credentials,
): PolledQuery<RectificationRates> {
  return usePolledQuery<RectificationRates>(
    ops.screenRectification,
    () => {
      const f = filter();
      return f ? { regionCode: f.regionCode ?? null, departmentId: f.departmentId ?? null } : null;
    },
    (d) => d.rectificationFigures as RectificationRates | undefined,
    changed,
    credentials,
    { everyMs: 60_000 },
  );
}

/**
 * The departments ranked fairly by the server (screenRanking, R21/R22: the region's minimum sample and
 * confidence). Read again when the live department breakdown changes (`changed`, its seq), at most every 5 s.
 */
export function useScreenRanking(
  filter: () => StatsFilter | null,
  limit: number,
  changed: () => number | null | undefined,
  credentials?: Credentials,
): PolledQuery<ScreenRanking> {
  return usePolledQuery<ScreenRanking>(
    ops.screenRanking,
    () => {
      const f = filter();
      return f ? { filter: f, limit } : null;
    },
    (d) => d.screenRanking as ScreenRanking | undefined,
    changed,
    credentials,
    { minIntervalMs: 5_000 },
  );
}
