import type { Actor, Role } from '../common/actor.js';
import { ForbiddenError, UnauthenticatedError } from '../common/errors.js';
import { LatestValueIterator } from '../common/latest-value-iterator.js';
import type { Em } from '../db/orm.js';
import { comparisonScopes, computeComparison, resolveComparison } from './comparison.service.js';
import type { LiveHub } from './live-hub.js';
import { breakdownRelevance, filterKey, planBreakdown, type BreakdownBy, type StatsFilterInput } from './stats.logic.js';
import {
  breakdownLimit,
  computeBreakdown,
  computeDimensions,
  computeFeed,
  computeHotTags,
  computeOverview,
  feedLimit,
  feedTiming,
  hotTagsLimit,
  resolveStatsQuery,
  type StatsDeps,
  type StatsQuery,
} from './stats.service.js';

/** Live topics: resolved (and access-checked) once per subscription, recomputed per update with a fresh fork. */

/** What serving live figures needs: reading figures and the process's live hub. */
export interface LiveDeps extends StatsDeps {
  readonly liveHub: LiveHub;
}

/** The root subscription fields served by shared live topics. */
export const LIVE_FIELDS = ['overviewChanged', 'hotTagsChanged', 'breakdownChanged', 'ratingFeed', 'dimensionsChanged', 'figureComparisonChanged'] as const;
export type LiveField = (typeof LIVE_FIELDS)[number];

export function isLiveField(name: string): name is LiveField {
  return (LIVE_FIELDS as readonly string[]).includes(name);
}

/** What the live hub needs to serve one topic: its identity, the scopes it listens to, and how to compute it. */
export interface LiveTopicSpec {
  /** Equal for subscriptions that must see the same snapshot (field, canonical filter, audience, options). */
  key: string;
  /** Scope keys whose changes make the topic stale; "T" listens to everything, "S:*" to every staff scope. */
  scopes: string[];
  compute(): Promise<object>;
  /** See LiveSourceSpec.staleIn: when the last snapshot changes by itself (a held-back feed entry falls due). */
  staleIn?(): number | null;
}

/** Checks the caller's access once and describes the live topic for a subscription field and its arguments. */
export async function liveTopicSpec(app: StatsDeps, actor: Actor, field: LiveField, args: Record<string, unknown>): Promise<LiveTopicSpec> {
  const input = (args.filter ?? null) as StatsFilterInput | null;
  const em = fork(app);
  switch (field) {
    case 'overviewChanged': {
      const q = await resolveStatsQuery(app, em, actor, input, false);
      return topic(field, q, [], [q.scopeKey], () => computeOverview(fork(app), q));
    }
    case 'hotTagsChanged': {
      const limit = hotTagsLimit(args.limit as number | null | undefined);
      const q = await resolveStatsQuery(app, em, actor, input, false);
      return topic(field, q, [limit], [q.scopeKey], () => computeHotTags(app, fork(app), q, limit));
    }
    case 'breakdownChanged': {
      const by = args.by as BreakdownBy;
      const limit = breakdownLimit(by, args.limit as number | null | undefined);
      const q = await resolveStatsQuery(app, em, actor, input, by === 'STAFF');
      planBreakdown(by, q.filter.scope);
      return topic(field, q, [by, limit ?? ''], breakdownRelevance(by, q.filter.scope), () => computeBreakdown(fork(app), q, by, limit));
    }
    case 'dimensionsChanged': {
      const q = await resolveStatsQuery(app, em, actor, input, false);
      return topic(field, q, [], [q.scopeKey], () => computeDimensions(fork(app), q));
    }
    case 'figureComparisonChanged': {
      // Officials only, as the query; checked here too, before any topic is created.
      requireRole(actor, COMPARISON_ROLES);
      const plan = await resolveComparison(app, em, actor, input);
      // The peers' changes move the median and the mean: the topic listens to the unit and to every peer.
      return topic(field, plan.q, [], comparisonScopes(plan), () => computeComparison(app, fork(app), actor, plan));
    }
    case 'ratingFeed': {
      const limit = feedLimit(args.limit as number | null | undefined);
      const q = await resolveStatsQuery(app, em, actor, input, false);
      // A public feed changes with time too: a bad review held back (R12) enters it once it is due,
      // with no change event; the hub recomputes the topic then.
      let changesAt: number | null = null;
      const spec = topic(field, q, [limit], [q.scopeKey], async () => {
        const feed = await computeFeed(fork(app), q, limit, feedTiming(app));
        changesAt = feed.changesAt;
        return feed.body;
      });
      return { ...spec, staleIn: () => (changesAt === null ? null : changesAt - app.clock.now().getTime()) };
    }
  }
}

/** Who may read a comparison (the `figureComparison` query's roles). */
export const COMPARISON_ROLES: readonly Role[] = ['department', 'supervisor', 'admin'];

function requireRole(actor: Actor, roles: readonly Role[]): void {
  if (roles.includes(actor.role)) return;
  if (actor.role === 'public')
    throw new UnauthenticatedError(`sign in or send a credential: this operation needs one of the roles ${roles.join(', ')}`, { reason: 'CREDENTIAL' });
  throw ForbiddenError.role(roles, actor.role);
}

function topic(field: LiveField, q: StatsQuery, options: unknown[], scopes: string[], compute: () => Promise<object>): LiveTopicSpec {
  return { key: [field, filterKey(q.filter), q.audience, ...options].join('|'), scopes, compute };
}

/** Raw snapshots of a live topic, for type-graphql's own subscription path (one execution per subscriber). */
export async function liveSnapshots(app: LiveDeps, actor: Actor, field: LiveField, args: Record<string, unknown>): Promise<AsyncIterableIterator<object>> {
  const spec = await liveTopicSpec(app, actor, field, args);
  const iterator = new LatestValueIterator<object>();
  iterator.onReturn(app.liveHub.subscribe(spec, { key: '' }, { deliver: (payload) => iterator.push(payload.snapshot) }));
  return iterator;
}

function fork(app: StatsDeps): Em {
  return app.orm.em.fork() as Em;
}
