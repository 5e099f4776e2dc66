import type { Actor } from '../common/actor.js';
import type { TokenService } from '../auth/tokens.js';
import type { PiiCipher } from '../common/crypto.js';
import type { Kernel } from '../common/kernel.js';
import type { ChangeBus } from '../common/pubsub.js';
import { AlreadyRatedError, ForbiddenError, InvalidInputError, NotFoundError, UnauthenticatedError } from '../common/errors.js';
import { maskName, maskPhone } from '../common/mask.logic.js';
import type { Database, Em } from '../db/orm.js';
import { duplicateAs } from '../db/errors.js';
import { insertRow, rowReader, sqlOf, type Sql } from '../db/sql.js';
import { CaseSchema, ServiceSchema, type CaseRecord, type Service } from '../case/case.entities.js';
import type { TagDictionary } from '../catalog/catalog.service.js';
import { rollupDeltas, scopesOf, type Attribution, type Counted } from '../stats/rollup.logic.js';
import { loadAttribution } from '../stats/attribution.store.js';
import type { GroupRunner } from '../db/group-commit.js';
import type { Channel } from '../catalog/channel.logic.js';
import { checkChannel, checkRatingWindow, nextAssessNumber, validateEvaluation, type NormalizedEvaluation } from './rating.logic.js';
import { RatingSchema, type Rating } from './rating.entity.js';

export interface SubmitEvaluationInput {
  token?: string | null;
  projectNo?: string | null;
  serviceNumber?: number | null;
  level: number;
  dimensions?: Record<string, number> | null;
  tags?: string[] | null;
  comment?: string | null;
  channel?: Channel | null;
  raterName?: string | null;
  raterMobile?: string | null;
}

/** Runs inside the rating's transaction; the rectification feature opens its case here (R13). */
export type RatingHook = (em: Em, rating: Rating, attribution: Attribution, service: Service) => Promise<void>;

/** What storing ratings needs; the composition root supplies it, after-store hooks included. */
export interface RatingDeps extends Kernel, Database {
  readonly cipher: PiiCipher;
  readonly tokens: TokenService;
  readonly bus: ChangeBus;
  readonly tags: TagDictionary;
  readonly groupCommit: GroupRunner<Counted>;
  /** `pf` code per channel for the provincial record, parsed once from the PF_CODES setting. */
  readonly channelCodes: Readonly<Record<Channel, number>>;
  /** Run inside the rating's transaction, in order (the root gives rectification's here, R13). */
  readonly ratingHooks: readonly RatingHook[];
}

/** R9: one rating per service, by a caller entitled to rate it, inside the window, counted once (R10). */
/** The stored rating and the service it rated (the resolver needs the service's keys; no second read). */
export interface SubmittedRating {
  rating: Rating;
  service: Service;
}

export async function submitEvaluation(app: RatingDeps, caller: Actor, input: SubmitEvaluationInput): Promise<SubmittedRating> {
  const actor = input.token ? await raterFromToken(app, input.token) : caller;
  if (!['rater', 'device', 'system'].includes(actor.role)) {
    throw actor.role === 'public'
      ? new UnauthenticatedError('rating needs a rating token (receipt QR code), a device key or a system key')
      : ForbiddenError.role(['rater', 'device', 'system'], actor.role);
  }
  const tags = await app.tags.current();
  // Every read happens inside the group's transaction: on SQLite the one connection belongs to the
  // running group, so reads made before joining it would queue one by one and no group would form.
  const stored = await app.groupCommit.run(async (tx, sql) => {
    const service = await findService(tx, sql, actor, input);
    await checkServiceScope(sql, actor, service);
    const channel = input.channel ?? defaultChannel(actor);
    checkChannel(actor.role, channel, actor);
    const evaluation = validateEvaluation({ ...input, channel }, tags);
    return storeRating(app, tx, sql, actor, service, evaluation, input, app.clock.now().getTime());
  });
  const { rating, attribution, service } = stored;
  app.bus.publish({ kind: 'rating', scopes: scopesOf(attribution), at: rating.ratedAt, detail: { ratingId: rating.id, serviceId: rating.serviceId } });
  return { rating, service };
}

async function raterFromToken(app: RatingDeps, token: string): Promise<Actor> {
  const claims = await app.tokens.verify(token, 'rating');
  return { role: 'rater', label: `rating-token:${claims.jti}`, serviceId: Number(claims.sub), tokenId: claims.jti };
}

async function findService(em: Em, sql: Sql, actor: Actor, input: SubmitEvaluationInput): Promise<Service> {
  const read = rowReader(em, ServiceSchema);
  if (actor.role === 'rater') {
    const [row] = await sql.all('select * from service where id = ?', [actor.serviceId!]);
    const service = row ? read(row) : null;
    if (!service) throw NotFoundError.of('service bound to this rating token', String(actor.serviceId));
    if (input.projectNo && (input.projectNo !== service.projectNo || (input.serviceNumber ?? service.serviceNumber) !== service.serviceNumber)) {
      throw InvalidInputError.field(
        'projectNo/serviceNumber',
        `the service of the token (${service.projectNo}#${service.serviceNumber})`,
        `${input.projectNo}#${input.serviceNumber ?? ''}`,
      );
    }
    return service;
  }
  if (!input.projectNo || input.serviceNumber == null) {
    throw InvalidInputError.field('projectNo and serviceNumber', 'given (the case number and service node being rated)', input.projectNo ?? undefined);
  }
  const [row] = await sql.all('select * from service where project_no = ? and service_number = ?', [input.projectNo, input.serviceNumber]);
  const service = row ? read(row) : null;
  // The upstream platform's wording: 没有对应的服务数据 (no matching service record).
  if (!service) throw NotFoundError.of('service (没有对应的服务数据)', `${input.projectNo}#${input.serviceNumber}`);
  return service;
}

/** A device rates only services at its own window or terminal; a system only its department's (R8). */
async function checkServiceScope(sql: Sql, actor: Actor, service: Service): Promise<void> {
  if (actor.role === 'device') {
    const own = actor.windowId ? service.windowId === actor.windowId : service.terminalId === actor.terminalId;
    if (!own) throw ForbiddenError.scope(`service ${service.projectNo}#${service.serviceNumber} (not served at this device)`);
  }
  if (actor.role === 'system') {
    const [dept] = await sql.all<{ path: string }>('select path from department where id = ?', [service.departmentId]);
    if (!actor.departmentPath || !dept?.path.startsWith(actor.departmentPath)) {
      throw ForbiddenError.scope(`service ${service.projectNo}#${service.serviceNumber} (another department's)`);
    }
  }
}

function defaultChannel(actor: Actor): Channel {
  if (actor.role === 'device') return actor.terminalId ? 'TERMINAL' : 'WINDOW';
  if (actor.role === 'rater') return 'QR';
  return 'IMPORT';
}

interface Stored {
  value: { rating: Rating; attribution: Attribution; service: Service };
  deltas: Counted;
}

/** Runs inside the group's transaction (its own savepoint); the caller publishes after the commit. */
async function storeRating(
  app: RatingDeps,
  tx: Em,
  sql: Sql,
  actor: Actor,
  service: Service,
  evaluation: NormalizedEvaluation,
  input: SubmitEvaluationInput,
  now: number,
): Promise<Stored> {
  const [caseRow] = await sql.all('select * from case_record where id = ?', [service.caseId]);
  if (!caseRow) throw NotFoundError.of(`case of service ${service.projectNo}#${service.serviceNumber}`, String(service.caseId));
  const kase = rowReader(tx, CaseSchema)(caseRow);
  const prior = service.ratingId ? await priorRating(tx, service) : null;
  const assessNumber = nextAssessNumber(prior, app.config, now, service);
  if (assessNumber === 1) checkRatingWindow(service, app.config, now);
  const rating: Rating = {
    id: 0,
    serviceId: service.id,
    caseId: service.caseId,
    assessNumber,
    level: evaluation.level,
    dimensions: evaluation.dimensions ? JSON.stringify(evaluation.dimensions) : null,
    tags: evaluation.tags.join(','),
    comment: evaluation.comment,
    channel: evaluation.channel,
    pf: app.channelCodes[evaluation.channel],
    isDefault: false,
    valid: true,
    invalidReason: null,
    ...raterData(app, kase, input),
    source: actor.role,
    tokenId: actor.tokenId ?? null,
    actorId: actor.apiKeyId ?? null,
    ratedAt: now,
  };
  try {
    if (assessNumber === 2) {
      // A follow-up (追评) is kept and can open a rectification case, but counts in no figure (R9).
      rating.id = await insertRow(tx, sql, RatingSchema, rating);
      const attribution = emptyAttribution();
      await runHooks(app, tx, rating, attribution, service);
      return { value: { rating, attribution, service }, deltas: { counts: [], tags: [] } };
    }
    const { attribution, counted } = await recordFirstRating(app, tx, kase, service, rating);
    return { value: { rating, attribution, service }, deltas: counted };
  } catch (err) {
    // A deadlock must reach the group commit as it is: it runs the whole group again.
    throw duplicateAs(err, () => alreadyRated(actor, service));
  }
}

function alreadyRated(actor: Actor, service: Service): AlreadyRatedError {
  if (actor.tokenId) {
    return new AlreadyRatedError('this rating token has already been used; each receipt QR code rates once (R7, R9)', {
      projectNo: service.projectNo,
      serviceNumber: service.serviceNumber,
    });
  }
  return AlreadyRatedError.service(service.projectNo, service.serviceNumber);
}

async function priorRating(em: Em, service: Service): Promise<{ ratedAt: number; isDefault: boolean; followUps: number }> {
  const first = await em.findOneOrFail(RatingSchema, { id: service.ratingId! });
  const followUps = await em.count(RatingSchema, { serviceId: service.id, assessNumber: 2 });
  return { ratedAt: first.ratedAt, isDefault: first.isDefault, followUps };
}

/** R10 batch: one rating covers every service of every case in the batch; otherwise just this one. */
async function coveredServices(em: Em, kase: CaseRecord, service: Service): Promise<Service[]> {
  if (kase.kind !== 'BATCH' || !kase.batchNo) return [service];
  const cases = await em.find(CaseSchema, { batchNo: kase.batchNo }, { fields: ['id'] });
  return em.find(ServiceSchema, { caseId: { $in: cases.map((c) => c.id) } });
}

/**
 * Stores a first rating (or default) inside the caller's transaction: claims the covered services and
 * runs the hooks (rectification, outbox). Returns the counter deltas, which the caller applies in the
 * same transaction (merged with others' under group commit).
 */
export async function recordFirstRating(
  app: RatingDeps,
  tx: Em,
  kase: CaseRecord,
  service: Service,
  rating: Rating,
): Promise<{ attribution: Attribution; counted: Counted }> {
  const sql = await sqlOf(tx);
  rating.id = await insertRow(tx, sql, RatingSchema, rating);
  const covered = await coveredServices(tx, kase, service);
  await markRated(
    sql,
    covered.map((s) => s.id),
    rating.id,
    service,
  );
  const attribution = await loadAttribution(tx, [...new Set(covered.map((s) => s.caseId))], kase.kind, service.staffId);
  const counted = rollupDeltas(attribution, { ...rating, tags: rating.tags ? rating.tags.split(',') : [] }, 1);
  await runHooks(app, tx, rating, attribution, service);
  return { attribution, counted };
}

async function runHooks(app: RatingDeps, tx: Em, rating: Rating, attribution: Attribution, service: Service): Promise<void> {
  for (const hook of app.ratingHooks) await hook(tx, rating, attribution, service);
}

/** The guard against double counting: only services not yet rated are claimed, all or nothing. */
async function markRated(sql: Sql, serviceIds: number[], ratingId: number, service: Service): Promise<void> {
  // coalesce: keeps the planner on the primary key. A plain "rating_id is null" can look selective
  // to PostgreSQL (statistics taken before a burst of new, unrated services) and send it scanning
  // the (rating_id, completed_at) index over every unrated service.
  const changed = await sql.run(`update service set rating_id = ? where id in (${serviceIds.map(() => '?').join(', ')}) and coalesce(rating_id, 0) = 0`, [
    ratingId,
    ...serviceIds,
  ]);
  if (changed !== serviceIds.length) throw AlreadyRatedError.service(service.projectNo, service.serviceNumber);
}

/** R12: the rater is the applicant unless the channel names someone else (hotline, department system). */
function raterData(app: RatingDeps, kase: CaseRecord, input: SubmitEvaluationInput) {
  if (input.raterName) {
    return {
      raterNameSealed: app.cipher.encrypt(input.raterName),
      raterNameMasked: maskName(input.raterName),
      raterMobileSealed: input.raterMobile ? app.cipher.encrypt(input.raterMobile) : null,
      raterMobileMasked: input.raterMobile ? maskPhone(input.raterMobile) : null,
    };
  }
  return {
    raterNameSealed: kase.applicantNameSealed,
    raterNameMasked: kase.applicantNameMasked,
    raterMobileSealed: kase.applicantMobileSealed,
    raterMobileMasked: kase.applicantMobileMasked,
  };
}

function emptyAttribution(): Attribution {
  return { bucket: 'H', regionCodes: [], departmentIds: [], itemIds: [], staffIds: [] };
}
