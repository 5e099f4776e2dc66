interface EventBase {
  /** Scope keys touched ("T", "R:410100000000", "D:12", ...), so live topics can skip unrelated changes. */
  scopes: string[];
  at: number;
  /** The server that produced it; servers ignore their own events when they come back from Redis. */
  origin?: string;
}

/** A rating was stored (first, follow-up or default). */
export interface RatingEvent extends EventBase {
  kind: 'rating';
  detail?: { ratingId: number; serviceId: number };
}
/** A rating became invalid (R18) and left every statistic. */
export interface InvalidationEvent extends EventBase {
  kind: 'invalidation';
  detail?: { ratingId: number };
}
/** A rectification case was opened (`caseIds`) or moved on (`caseId` with its new state and where it lies). */
export interface RectificationEvent extends EventBase {
  kind: 'rectification';
  detail?: {
    action: string;
    caseIds?: number[];
    ratingId?: number;
    caseId?: number;
    state?: string;
    overdue?: boolean;
    departmentPath?: string;
    handlingDepartmentPath?: string | null;
    regionCode?: string;
  };
}
/**
 * Anything else that screens may need to re-read: a resync after Redis came back or a stats rebuild
 * (no scopes: everything), a revoked screen token or API key, a rating presented on a window evaluator.
 */
export interface CatalogEvent extends EventBase {
  kind: 'catalog';
  detail?: {
    reason?: 'redis-resync' | 'stats-rebuild';
    screenTokenRevoked?: string;
    sessionEnded?: string;
    /** The digest of a revoked or rotated API key: every server forgets it at once. */
    apiKeyRevoked?: string;
    presentation?: unknown;
  };
}

/** A change that happened and was committed; subscribers decide what to recompute. */
export type ChangeEvent = RatingEvent | InvalidationEvent | RectificationEvent | CatalogEvent;
export type ChangeKind = ChangeEvent['kind'];
export const CHANGE_KINDS: readonly ChangeKind[] = ['rating', 'invalidation', 'rectification', 'catalog'];

type Handler = (event: ChangeEvent) => void;

/** In-process bus; a Redis bridge (REDIS_URL) forwards events between servers. */
export class ChangeBus {
  private readonly handlers = new Set<Handler>();

  /** `origin` is unique per process: it tells our own events apart from other servers' on Redis. */
  constructor(readonly origin: string) {}

  /** Publishes a committed change; events without an origin are stamped with ours. */
  publish(event: ChangeEvent): void {
    const stamped = event.origin ? event : { ...event, origin: this.origin };
    for (const handler of this.handlers) {
      try {
        handler(stamped);
      } catch {
        // A failing subscriber must not stop the others; it logs its own errors.
      }
    }
  }

  subscribe(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
}
