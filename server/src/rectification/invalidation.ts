import type { Em } from '../db/orm.js';
import { CaseSchema, ServiceSchema } from '../case/case.entities.js';
import { loadAttribution } from '../stats/attribution.store.js';
import { RatingSchema, type Rating } from '../rating/rating.entity.js';
import { rollupDeltas, scopesOf } from '../stats/rollup.logic.js';
import { applyRollupDeltas } from '../stats/rollup.store.js';

/** Runs inside the invalidating transaction once a rating became invalid (the exchange outbox, R18, R26). */
export type InvalidationHook = (tx: Em, rating: Rating) => Promise<void>;

/**
 * R18: a rating found malicious, or whose appeal was upheld, becomes invalid and leaves every statistic,
 * inside the caller's transaction. The attribution is recomputed from the raw rows exactly as the rating
 * transaction computed it (covered services: `service.rating_id = rating.id`; units from `case_unit`),
 * and the same deltas are subtracted. Returns the scopes touched, or null when it was already invalid.
 * (Also the path for fake good reviews (刷好评) once fraud detection finds them.)
 */
export async function invalidateRating(
  tx: Em,
  ratingId: number,
  reason: string,
  hooks: readonly InvalidationHook[] = [],
): Promise<{ scopes: string[] } | null> {
  // Conditional update: of two concurrent invalidations only one subtracts.
  const changed = await tx.nativeUpdate(RatingSchema, { id: ratingId, valid: true }, { valid: false, invalidReason: reason.slice(0, 200) });
  if (changed === 0) return null;
  const rating = await tx.findOneOrFail(RatingSchema, { id: ratingId }, { refresh: true });
  for (const hook of hooks) await hook(tx, rating);
  // Follow-ups (追评) are not counted in the rollups, so there is nothing to subtract for them.
  if (rating.assessNumber !== 1) return { scopes: [] };
  const covered = await tx.execute<Array<{ case_id: number }>>('select distinct case_id from service where rating_id = ?', [ratingId]);
  const caseIds = covered.map((r) => Number(r.case_id));
  const service = await tx.findOneOrFail(ServiceSchema, { id: rating.serviceId });
  const kase = await tx.findOneOrFail(CaseSchema, { id: rating.caseId });
  const attribution = await loadAttribution(tx, caseIds.length ? caseIds : [rating.caseId], kase.kind, service.staffId);
  const deltas = rollupDeltas(
    attribution,
    {
      level: rating.level,
      isDefault: rating.isDefault,
      channel: rating.channel,
      ratedAt: rating.ratedAt,
      tags: rating.tags ? rating.tags.split(',') : [],
      dimensions: rating.dimensions,
    },
    -1,
  );
  await applyRollupDeltas(tx, deltas.counts, deltas.tags, deltas.dimensions);
  return { scopes: scopesOf(attribution) };
}
