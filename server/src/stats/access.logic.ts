import type { Actor } from '../common/actor.js';
import { ForbiddenError, UnauthenticatedError } from '../common/errors.js';
import { isWithinRegion, regionLevelOf, type RegionLevel } from '../catalog/region.logic.js';
import type { FilterScope, StatsFilter } from './stats.logic.js';

/**
 * Who may see which figures (R12, R21): the audience of a caller (public figures are suppressed below
 * a minimum count), the default scope of each role, and the access check of a filter scope. Pure:
 * the facts about a department, item or staff scope are looked up by the caller.
 */

/** 'public' callers get the minimum-count suppression; officials see exact small figures. */
export type Audience = 'public' | 'full';

const OFFICIAL_ROLES = ['department', 'system', 'supervisor', 'admin'] as const;
const STAFF_ROLES = ['department', 'supervisor', 'admin'] as const;

/** The audience of a caller on its own unit (`accessFor` decides per scope). */
export function audienceOf(actor: Actor): Audience {
  return (OFFICIAL_ROLES as readonly string[]).includes(actor.role) ? 'full' : 'public';
}

/**
 * What a rating feed shows its audience (R12: no harassment, no retaliation).
 * - `full`: officials (department officers and systems, supervisors, admin) see every entry at once,
 *   with window and staff; the rater is never in a feed.
 * - `delayed`: public audiences (anonymous callers, screen and embed tokens) on a wide scope (the whole
 *   platform, a province or a city) see no window or staff, and a bad review only once it is
 *   FEED_BAD_DELAY_MINUTES old.
 * - `countsOnly`: public audiences on a hall-sized scope (a district, township or village, a
 *   department, an item or a staff member: what one hall's screen shows) see no bad review in the
 *   feed at all: there bad reviews appear only in the counts (overview, breakdown).
 */
export type FeedView = 'full' | 'delayed' | 'countsOnly';

const HALL_REGION_LEVELS: readonly RegionLevel[] = ['DISTRICT', 'TOWNSHIP', 'VILLAGE'];

export function feedViewOf(audience: Audience, scope: FilterScope): FeedView {
  if (audience === 'full') return 'full';
  if (scope.kind === 'TOTAL') return 'delayed';
  if (scope.kind === 'REGION' && !HALL_REGION_LEVELS.includes(regionLevelOf(scope.code))) return 'delayed';
  return 'countsOnly';
}

/** With PUBLIC_FIGURES=false, anonymous callers and raters read no figures: screens and widgets need a token. */
export function assertFiguresOpen(actor: Actor, publicFigures: boolean): void {
  if (publicFigures || (actor.role !== 'public' && actor.role !== 'rater')) return;
  throw new UnauthenticatedError('this deployment does not publish figures (PUBLIC_FIGURES=false): use a screen or embed token, or sign in');
}

/** The minimum count applied to a caller's figures. */
export function minCountFor(audience: Audience, minPublicRatings: number): number {
  return audience === 'public' ? minPublicRatings : 0;
}

/**
 * Officials without an explicit unit see their own: a department officer (or department system)
 * its department, a supervisor the region they oversee.
 */
export function withDefaultScope(actor: Actor, filter: StatsFilter): StatsFilter {
  if (filter.scope.kind !== 'TOTAL') return filter;
  if ((actor.role === 'department' || actor.role === 'system') && actor.departmentId) {
    return { ...filter, scope: { kind: 'DEPARTMENT', id: actor.departmentId } };
  }
  if (actor.role === 'supervisor' && actor.regionCode) return { ...filter, scope: { kind: 'REGION', code: actor.regionCode } };
  if (actor.role === 'screen' && actor.departmentId) return { ...filter, scope: { kind: 'DEPARTMENT', id: actor.departmentId } };
  if (actor.role === 'screen' && actor.regionCode) return { ...filter, scope: { kind: 'REGION', code: actor.regionCode } };
  return filter;
}

/** Where the unit behind a scope sits: its department's path and region (null when unknown). */
export interface ScopeFacts {
  departmentPath: string;
  regionCode: string;
}

/** Whether the access check needs facts from the catalog (one query) for this caller and scope. */
export function needsScopeFacts(actor: Actor, scope: FilterScope): boolean {
  if (scope.kind === 'TOTAL' || scope.kind === 'REGION') return false;
  return (
    actor.role === 'department' ||
    actor.role === 'system' ||
    actor.role === 'supervisor' ||
    (actor.role === 'screen' && (!!actor.departmentId || !!actor.regionCode))
  );
}

/**
 * Decides who may read which figures, and how: per-staff figures need the department (own subtree),
 * supervisor (own region) or admin role. Officials read their own unit exactly ('full'); outside it
 * they read what the public reads ('public': the minimum-count suppression applies), never less (R12,
 * R21: nobody signed in sees less than an anonymous caller). Screen and embed tokens stay locked to
 * the region or department they were issued for.
 */
export function accessFor(actor: Actor, scope: FilterScope, perStaff: boolean, facts: ScopeFacts | null): Audience {
  if (perStaff && !(STAFF_ROLES as readonly string[]).includes(actor.role)) {
    throw new ForbiddenError(`per-staff figures need one of the roles ${STAFF_ROLES.join(', ')}; the caller is ${actor.role}`);
  }
  const what = describeScope(scope);
  const ownOrPublic = (own: boolean): Audience => {
    if (own) return 'full';
    if (perStaff) throw ForbiddenError.scope(what);
    return 'public';
  };
  switch (actor.role) {
    case 'admin':
      return 'full';
    case 'department':
    case 'system':
      return ownOrPublic(
        !!actor.departmentPath && scope.kind !== 'TOTAL' && scope.kind !== 'REGION' && !!facts && facts.departmentPath.startsWith(actor.departmentPath),
      );
    case 'supervisor': {
      const region = scope.kind === 'REGION' ? scope.code : facts?.regionCode;
      return ownOrPublic(!!actor.regionCode && scope.kind !== 'TOTAL' && !!region && isWithinRegion(region, actor.regionCode));
    }
    case 'screen':
      checkScreenScope(actor, scope, facts, what);
      return 'public';
    default:
      return 'public';
  }
}

/** Throws FORBIDDEN where `accessFor` would; kept for callers that need only the check. */
export function checkStatsAccess(actor: Actor, scope: FilterScope, perStaff: boolean, facts: ScopeFacts | null): void {
  accessFor(actor, scope, perStaff, facts);
}

/** A screen or embed token is locked to the region or department it was issued for (R12: screens show only what they were issued for). */
function checkScreenScope(actor: Actor, scope: FilterScope, facts: ScopeFacts | null, what: string): void {
  if (actor.departmentId) {
    const own = scope.kind === 'DEPARTMENT' && scope.id === actor.departmentId;
    const below = !!facts && facts.departmentPath.includes(`/${actor.departmentId}/`);
    if (!own && !below) throw ForbiddenError.scope(what);
    return;
  }
  if (actor.regionCode) {
    const region = scope.kind === 'REGION' ? scope.code : facts?.regionCode;
    if (scope.kind === 'TOTAL' || !region || !isWithinRegion(region, actor.regionCode)) throw ForbiddenError.scope(what);
  }
}

function describeScope(scope: FilterScope): string {
  switch (scope.kind) {
    case 'TOTAL':
      return 'the figures of the whole platform';
    case 'REGION':
      return `region ${scope.code}`;
    case 'DEPARTMENT':
      return `department ${scope.id}`;
    case 'ITEM':
      return `item ${scope.id}`;
    case 'STAFF':
      return `staff member ${scope.id}`;
  }
}
