import { DAY_MS } from '../common/clock.js';
import { AlreadyRatedError } from '../common/errors.js';
import { log } from '../common/logger.js';
import type { Em } from '../db/orm.js';
import { isDuplicateOrStale } from '../db/errors.js';
import { CaseSchema, ServiceSchema, type Service } from '../case/case.entities.js';
import { scopesOf } from '../stats/rollup.logic.js';
import { applyGroupDeltas } from '../stats/rollup.store.js';
import type { Rating } from './rating.entity.js';
import { recordFirstRating, type RatingDeps } from './rating.service.js';

export const DEFAULT_LEVEL = 3;

/**
 * R11: every service still unrated `defaultAfterDays` natural days after completion gets a default
 * 基本满意, flagged, dated when it fell due. Idempotent: a service already covered is skipped, and a
 * rating that races the job wins (the job's insert is then rolled back).
 */
export async function recordDueDefaults(app: RatingDeps, batchSize = 500): Promise<number> {
  const dueBefore = app.clock.now().getTime() - app.config.defaultAfterDays * DAY_MS;
  let recorded = 0;
  let afterId = 0;
  for (;;) {
    const em = app.orm.em.fork() as Em;
    const due = await em.find(
      ServiceSchema,
      { ratingId: null, completedAt: { $lte: dueBefore }, id: { $gt: afterId } },
      {
        orderBy: { id: 'asc' },
        limit: batchSize,
      },
    );
    if (due.length === 0) break;
    afterId = due[due.length - 1]!.id;
    for (const service of due) if (await recordDefault(app, service)) recorded += 1;
  }
  if (recorded > 0) log.info('default ratings recorded (R11)', { recorded });
  return recorded;
}

async function recordDefault(app: RatingDeps, service: Service): Promise<boolean> {
  const ratedAt = service.completedAt! + app.config.defaultAfterDays * DAY_MS;
  const em = app.orm.em.fork() as Em;
  try {
    const attribution = await em.transactional(async (tx) => {
      const fresh = await tx.findOne(ServiceSchema, { id: service.id });
      if (!fresh || fresh.ratingId) return null;
      const kase = await tx.findOneOrFail(CaseSchema, { id: service.caseId });
      const rating: Rating = {
        id: 0,
        serviceId: service.id,
        caseId: service.caseId,
        assessNumber: 1,
        level: DEFAULT_LEVEL,
        dimensions: null,
        tags: '',
        comment: null,
        commentSealed: null,
        channel: 'DEFAULT',
        pf: app.channelCodes.DEFAULT,
        isDefault: true,
        valid: true,
        invalidReason: null,
        raterNameSealed: null,
        raterNameMasked: null,
        raterMobileSealed: null,
        raterMobileMasked: null,
        source: 'job',
        tokenId: null,
        actorId: null,
        submissionKey: null,
        externalKey: null,
        raterMobileHash: null,
        clientIpHash: null,
        tokenIssuer: null,
        ratedAt,
      };
      const recorded = await recordFirstRating(app, tx as Em, kase, fresh, rating);
      await applyGroupDeltas(tx as Em, [recorded.counted]);
      return recorded.attribution;
    });
    if (!attribution) return false;
    app.bus.publish({ kind: 'rating', scopes: scopesOf(attribution), at: ratedAt });
    return true;
  } catch (err) {
    if (err instanceof AlreadyRatedError || isDuplicateOrStale(err)) return false;
    throw err;
  }
}
