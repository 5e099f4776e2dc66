import type { Actor } from '../common/actor.js';
import type { Kernel } from '../common/kernel.js';
import type { Database } from '../db/orm.js';
import { recordAudit } from '../auth/audit.service.js';
import { LEVELS } from '../catalog/levels.logic.js';
import type { Service } from '../case/case.entities.js';
import type { Rating } from './rating.entity.js';
import type { RatingView } from './rating.types.js';
import type { TagView } from '../catalog/catalog.types.js';

/** Masked rater data only for those who oversee; the rated side never learns who rated it (R12). */
export function toRatingView(
  rating: Rating,
  service: Pick<Service, 'projectNo' | 'serviceNumber'>,
  viewer: Actor,
  tags: ReadonlyMap<string, TagView>,
): RatingView {
  const seesRater = viewer.role === 'supervisor' || viewer.role === 'admin' || viewer.role === 'rater';
  const dims = rating.dimensions ? (JSON.parse(rating.dimensions) as Record<string, number>) : {};
  return {
    id: rating.id,
    projectNo: service.projectNo,
    serviceNumber: service.serviceNumber,
    assessNumber: rating.assessNumber,
    level: rating.level,
    levelName: LEVELS.find((l) => l.value === rating.level)?.name ?? String(rating.level),
    dimensions: Object.entries(dims).map(([key, level]) => ({ key, level })),
    tags: rating.tags
      ? rating.tags.split(',').map((code) => {
          const tag = tags.get(code);
          return tag ? { code, level: tag.level, name: tag.name, nameEn: tag.nameEn } : { code, level: rating.level, name: code, nameEn: code };
        })
      : [],
    comment: rating.comment,
    channel: rating.channel,
    pf: rating.pf,
    isDefault: rating.isDefault,
    valid: rating.valid,
    raterName: seesRater ? rating.raterNameMasked : null,
    raterMobile: seesRater ? rating.raterMobileMasked : null,
    ratedAt: new Date(rating.ratedAt),
  };
}

/**
 * Issue 10 (安全审计): a view of a rater's masked name or mobile is audited like a view of the plain
 * contact data: one `rater-masked.view` record per request (not per rating), written before the answer
 * leaves; a view without masked data (the rated department, a rating without a rater) writes none.
 */
export async function auditMaskedRaterView(
  app: Kernel & Database,
  viewer: Actor,
  subject: string,
  views: ReadonlyArray<RatingView | null | undefined>,
): Promise<void> {
  const shown = views.filter((v): v is RatingView => !!v && (v.raterName != null || v.raterMobile != null));
  if (shown.length === 0) return;
  const ids = shown.map((v) => v.id);
  const detail = `masked rater data of rating${ids.length > 1 ? 's' : ''} ${ids.slice(0, 20).join(', ')}${ids.length > 20 ? ` and ${ids.length - 20} more` : ''}`;
  await recordAudit(app, { actor: viewer, action: 'rater-masked.view', subject, detail }, app.clock.now().getTime());
}
