import type { RatingHook } from '../rating/rating.service.js';
import { rectScopesOf } from './figures.logic.js';
import type { RectificationDeps } from './rectification.deps.js';
import { openCasesForRating } from './rectification.service.js';

interface Pending {
  at: number;
  serviceId: number;
  scopes: string[];
  caseIds: number[];
}

const PENDING_TTL_MS = 60_000;

/** The rating feature's after-store hook that opens rectification cases, and how to stop its listener. */
export interface RectificationHook {
  readonly onRatingStored: RatingHook;
  close(): void;
}

/**
 * Bad ratings open cases in the rating's own transaction (R13); the composition root gives the hook to
 * the rating feature. The hook cannot know when that transaction commits, so the opening is announced
 * when the rating's own change event (published after commit) comes by; a rolled-back rating's entry
 * simply expires (and is told apart by its service from a later rating that got the same id).
 */
export function createRectificationHook(app: RectificationDeps): RectificationHook {
  const pending = new Map<number, Pending>();
  const onRatingStored: RatingHook = async (em, rating, _attribution, service) => {
    const opened = await openCasesForRating(app, em, rating, service);
    if (opened.length === 0) return;
    // Wall time, not app.clock: this only ages out in-memory entries of rolled-back ratings.
    const now = Date.now();
    for (const [id, entry] of pending) if (now - entry.at > PENDING_TTL_MS) pending.delete(id);
    const caseIds = opened.map((c) => c.id);
    const scopes = [...new Set(opened.flatMap((c) => rectScopesOf(c)))];
    pending.set(rating.id, { at: now, serviceId: service.id, scopes, caseIds });
  };
  const close = app.bus.subscribe((event) => {
    if (event.kind !== 'rating' || event.origin !== app.bus.origin) return;
    const ratingId = Number(event.detail?.ratingId);
    const entry = pending.get(ratingId);
    // An entry left by a rating that was rolled back may carry an id SQLite has given out again.
    if (!entry || entry.serviceId !== Number(event.detail?.serviceId)) return;
    pending.delete(ratingId);
    app.bus.publish({ kind: 'rectification', scopes: entry.scopes, at: event.at, detail: { action: 'OPEN', caseIds: entry.caseIds, ratingId } });
  });
  return {
    onRatingStored,
    close: () => {
      close();
      pending.clear();
    },
  };
}
