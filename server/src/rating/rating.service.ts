import type { Actor } from '../common/actor.js';
import { isWithinRegion } from '../catalog/region.logic.js';
import type { TokenService } from '../auth/tokens.js';
import { keptMobileIndex, mobileBlindIndex, type PiiCipher } from '../common/crypto.js';
import type { RateLimits } from '../common/rate-limit.js';
import type { Kernel } from '../common/kernel.js';
import type { ChangeBus } from '../common/pubsub.js';
import {
  AlreadyRatedError,
  ForbiddenError,
  InvalidInputError,
  NotFoundError,
  RatingWindowClosedError,
  TokenExpiredError,
  UnauthenticatedError,
} from '../common/errors.js';
import { maskName, maskPhone } from '../common/mask.logic.js';
import { maskPersonalDataInText } from '../common/pii-text.logic.js';
import type { Database, Em } from '../db/orm.js';
import { duplicateAs } from '../db/errors.js';
import { insertManyStatement, insertRow, insertStatement, insertValues, prefixedColumns, prefixedReader, rowReader, sqlOf, type Sql } from '../db/sql.js';
import { CaseSchema, ServiceSchema, type CaseRecord, type Service } from '../case/case.entities.js';
import type { TagDictionary } from '../catalog/catalog.service.js';
import { rollupDeltas, scopesOf, type Attribution, type Counted } from '../stats/rollup.logic.js';
import { attributionFromUnits, loadAttribution, type UnitRow } from '../stats/attribution.store.js';
import type { BatchItem, GroupRunner } from '../db/group-commit.js';
import { checkBatchSize, runBatch, type BatchOutcome } from '../db/batch.js';
import type { Channel } from '../catalog/channel.logic.js';
import {
  checkChannel,
  checkFirstRating,
  checkFollowUp,
  checkRatingWindow,
  checkResend,
  followUpClosesAt,
  submissionKeyOf,
  submitterScope,
  validateEvaluation,
  validateExternalId,
  validateSubmissionId,
  type NormalizedEvaluation,
  type PriorRating,
} from './rating.logic.js';
import { RatingSchema, type Rating } from './rating.entity.js';
import { ratedBeforeCompletion } from '../quality/quality.logic.js';
import { keepBatchFindings, keepFindings, keepRefusal, type BatchFinding } from '../quality/quality.service.js';

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
  /** The client's key for this answer: the same key again returns the stored rating (R9). */
  submissionId?: string | null;
  /** A department system's own id of this rating (collected elsewhere); unique per sending key, the same id again returns the stored rating. */
  externalId?: string | null;
  /** The network address the request came from (R18: kept only as a keyed hash). */
  clientIp?: string | null;
}

/** A follow-up (追评, R9): the rater's own second say, by follow-up token, device key or system key. */
export type SubmitFollowUpInput = Omit<SubmitEvaluationInput, 'raterName' | 'raterMobile'>;

/** A rating as stored, with the scopes it counts in and the service it rated. */
export interface StoredRating {
  rating: Rating;
  attribution: Attribution;
  service: Service;
}

/** Runs inside the rating's transaction; the rectification feature opens its case here (R13). */
export interface RatingHook {
  (em: Em, rating: Rating, attribution: Attribution, service: Service): Promise<void>;
  /** The same for the ratings a group writes together, in their order (one multi-row statement); without it the hook runs once per rating. */
  many?: (em: Em, stored: readonly StoredRating[]) => Promise<void>;
}

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
  /** Per-address and per-key limits (shared through Redis when configured). */
  readonly rateLimits: RateLimits;
}

/** The stored rating and the service it rated (the resolver needs the service's keys; no second read). */
export interface SubmittedRating {
  rating: Rating;
  service: Service;
  /** True when this answer had been stored before (a resend with its submissionId): nothing new was stored. */
  resent: boolean;
  /** The rater's own link to the one follow-up (R9): given for a first rating made with a rating token while follow-ups are open. */
  followUp: { token: string; expiresAt: Date } | null;
}

type Kind = 'first' | 'followUp';

/** A caller as established for one submission; `expiredToken`: the token may only look up a resend. */
interface Submitter {
  actor: Actor;
  expiredToken: boolean;
  /** Who issued the token used (its `iby` claim), for fraud signals (R18). */
  tokenIssuer?: string | null;
}

/**
 * R9: one first rating per service, by a caller entitled to rate it, inside the window, counted once
 * (R10). A second first rating is refused (ALREADY_RATED), never turned into a follow-up; a resend of
 * a stored answer (same submissionId) returns it.
 */
export async function submitEvaluation(app: RatingDeps, caller: Actor, input: SubmitEvaluationInput, findings?: BatchFinding[]): Promise<SubmittedRating> {
  const submitter = await submitterOf(app, caller, input, 'rating');
  return withFindings(app, submitter.actor, input, () => submit(app, submitter, input, 'first'), findings);
}

/**
 * R25 数据质检 for ratings that department systems and devices send: a refusal is kept as a finding (in
 * its own transaction), and a rating stored for a service not completed yet is reported. Citizens'
 * own refusals (a used token, a closed window) are answered to them, not kept. With `batch` (a
 * submitEvaluations call) they are collected there and kept together after the batch (keepBatchFindings).
 */
async function withFindings(
  app: RatingDeps,
  actor: Actor,
  input: SubmitEvaluationInput,
  run: () => Promise<SubmittedRating>,
  batch?: BatchFinding[],
): Promise<SubmittedRating> {
  const kept = actor.role === 'system' || actor.role === 'device';
  let submitted: SubmittedRating;
  try {
    submitted = await run();
  } catch (err) {
    if (kept) {
      const recordKey = `${input.projectNo ?? ''}#${input.serviceNumber ?? ''}`;
      const src = { source: 'rating', recordKey, actor, departmentId: null } as const;
      const sent = { projectNo: input.projectNo, serviceNumber: input.serviceNumber };
      if (batch) batch.push({ refusal: err, src, input: sent });
      else await keepRefusal(app, err, src, sent);
    }
    throw err;
  }
  const early = kept && !submitted.resent ? ratedBeforeCompletion(submitted.service, submitted.rating.ratedAt) : null;
  if (early) {
    const { service } = submitted;
    const src = { source: 'rating', recordKey: `${service.projectNo}#${service.serviceNumber}`, actor, departmentId: service.departmentId } as const;
    if (batch) batch.push({ drafts: [early], src });
    else await keepFindings(app, [early], src);
  }
  return submitted;
}

/** A record of a batch: a first rating, or (assessNumber 2, over /api/v1) the follow-up (追评). */
export type BatchEvaluationInput = SubmitEvaluationInput & { assessNumber?: number | null };

/**
 * R8, R9: a department system's (or device's) batch of ratings, at most BATCH_MAX, each answered on its
 * own: CREATED, UNCHANGED (already there: the same submissionId or externalId again, or, for a record
 * without either, the service's rating already came from this key with the same level and kind), or
 * REFUSED with its code. The records join the group commit together (a batch of 1,000 is a few
 * transactions, each record in its own savepoint); ratings of one service run in batch order.
 */
export async function submitEvaluations(app: RatingDeps, caller: Actor, inputs: readonly BatchEvaluationInput[]): Promise<BatchOutcome<SubmittedRating>[]> {
  checkBatchSize(inputs.length, 'ratings');
  // R25: the batch's findings are kept together after it, in one transaction (not one per record).
  const findings: BatchFinding[] = [];
  const outcomes = await runBatch(
    inputs,
    (input) => (input.token ? `token:${input.token}` : `service:${input.projectNo}#${input.serviceNumber}`),
    async (input) => {
      const assessNumber = input.assessNumber ?? 1;
      if (assessNumber !== 1 && assessNumber !== 2) throw InvalidInputError.field('assessNumber', '1 (first rating) or 2 (follow-up, 追评)', assessNumber);
      try {
        const submitted = assessNumber === 1 ? await submitEvaluation(app, caller, input, findings) : await submitFollowUp(app, caller, input);
        return { status: submitted.resent ? 'UNCHANGED' : 'CREATED', value: submitted };
      } catch (err) {
        const same =
          err instanceof AlreadyRatedError && !input.submissionId && !input.externalId ? await sameRatingFromKey(app, caller, input, assessNumber) : null;
        if (!same) throw err;
        return { status: 'UNCHANGED', value: { ...same, resent: true, followUp: null } };
      }
    },
  );
  await keepBatchFindings(app, findings);
  return outcomes;
}

/** A record sent again without ids: the stored rating of its service, when this very key gave it with the same level. */
async function sameRatingFromKey(
  app: RatingDeps,
  caller: Actor,
  input: SubmitEvaluationInput,
  assessNumber: number,
): Promise<{ rating: Rating; service: Service } | null> {
  if (caller.apiKeyId === undefined || !input.projectNo || input.serviceNumber == null) return null;
  const em = app.orm.em.fork() as Em;
  const service = await em.findOne(ServiceSchema, { projectNo: input.projectNo, serviceNumber: input.serviceNumber });
  if (!service) return null;
  const rating = await em.findOne(RatingSchema, { serviceId: service.id, assessNumber });
  const same = rating && rating.actorId === caller.apiKeyId && rating.level === input.level && !rating.isDefault;
  return same ? { rating, service } : null;
}

/**
 * R9: the one follow-up rating (追评) where FOLLOW_UP_DAYS allows it: a deliberate act with the rater's
 * follow-up token (or a device or system key naming the service), kept outside the figures; a bad one
 * opens a rectification case (R13).
 */
export async function submitFollowUp(app: RatingDeps, caller: Actor, input: SubmitFollowUpInput): Promise<SubmittedRating> {
  const submitter = await submitterOf(app, caller, input, 'followup');
  return submit(app, submitter, input, 'followUp');
}

/**
 * Issues the rater's follow-up link for a rated service (R9), for a department system that sends it
 * to the rater, or a device that shows it: bound to the service, valid until the follow-up period ends.
 */
export async function issueFollowUpToken(
  app: RatingDeps,
  actor: Actor,
  projectNo: string,
  serviceNumber: number,
): Promise<{ token: string; expiresAt: Date; path: string }> {
  const em = app.orm.em.fork() as Em;
  const sql = await sqlOf(em);
  const service = await findService(em, sql, actor, { projectNo, serviceNumber, level: 0 });
  if (actor.role !== 'admin') await checkServiceScope(sql, actor, service);
  const now = app.clock.now().getTime();
  const first = service.ratingId ? await em.findOneOrFail(RatingSchema, { id: service.ratingId }) : null;
  const prior = first ? await priorRating(em, service, first) : null;
  checkFollowUp(prior, app.config, now, service);
  const link = await signFollowUp(app, service, first!, now);
  if (!link) throw new RatingWindowClosedError('the follow-up (追评) period has closed');
  return { ...link, path: `/followup?t=${encodeURIComponent(link.token)}` };
}

async function submitterOf(app: RatingDeps, caller: Actor, input: SubmitEvaluationInput, kind: 'rating' | 'followup'): Promise<Submitter> {
  if (!input.token) {
    // A rater known from a bearer rating token holds the receipt's token: it rates once, it never follows up.
    if (kind === 'followup' && caller.role === 'rater') {
      throw new UnauthenticatedError('a follow-up rating (追评) needs the follow-up token in input.token; the receipt rating token rates only once');
    }
    return { actor: caller, expiredToken: false };
  }
  // With a submissionId, an expired token can still fetch what it sent (resending is always safe).
  const claims = input.submissionId
    ? await app.tokens.verifyAllowingExpired(input.token, kind)
    : { ...(await app.tokens.verify(input.token, kind)), expired: false };
  return {
    actor: { role: 'rater', label: `${kind}-token:${claims.jti}`, serviceId: Number(claims.sub), tokenId: claims.jti },
    expiredToken: claims.expired,
    tokenIssuer: typeof claims.iby === 'string' ? claims.iby.slice(0, 100) : null,
  };
}

async function submit(app: RatingDeps, { actor, expiredToken, tokenIssuer }: Submitter, input: SubmitEvaluationInput, kind: Kind): Promise<SubmittedRating> {
  // 12345 operators (R5) enter phone ratings, first ratings only.
  const roles = kind === 'first' ? ['rater', 'device', 'system', 'hotline'] : ['rater', 'device', 'system'];
  if (!roles.includes(actor.role)) {
    if (actor.role !== 'public') throw ForbiddenError.role(roles, actor.role);
    throw new UnauthenticatedError(
      kind === 'first'
        ? 'rating needs a rating token (receipt QR code), a device key or a system key'
        : 'a follow-up rating (追评) needs the follow-up token given with the first rating, a device key or a system key',
    );
  }
  const submissionId = validateSubmissionId(input.submissionId);
  const key = submissionId ? submissionKeyOf(submitterScope(actor), submissionId) : null;
  const externalId = validateExternalId(input.externalId, actor.role);
  const extKey = externalId ? submissionKeyOf(submitterScope(actor), externalId) : null;
  const sent = { level: input.level, assessNumber: kind === 'first' ? 1 : 2 };
  const earlierOf = async (tx: Em, sql: Sql, serviceId: number) =>
    (key ? await storedSubmission(sql, tx, { column: 'submission_key', key, id: submissionId! }, { ...sent, serviceId }) : null) ??
    (extKey ? await storedSubmission(sql, tx, { column: 'external_key', key: extKey, id: externalId! }, { ...sent, serviceId }) : null);
  const tags = await app.tags.current();
  let stored: Stored['value'];
  try {
    // Every read happens inside the group's transaction: on SQLite the one connection belongs to the
    // running group, so reads made before joining it would queue one by one and no group would form.
    // A first rating also offers itself to the group's batch (storeFirstRatings); this closure is its exact path alone.
    const batched =
      kind === 'first'
        ? { batch: storeFirstRatings, input: { app, actor, input, key, extKey, expiredToken, tokenIssuer: tokenIssuer ?? null, tags } }
        : undefined;
    stored = await app.groupCommit.run(async (tx, sql) => {
      const { service, context } = await findTarget(tx, sql, actor, input);
      // A resend of a stored answer returns it, whatever happened since (token used, window closed).
      const earlier = await earlierOf(tx, sql, service.id);
      if (earlier) return { value: { ...earlier, attribution: null } };
      if (expiredToken) throw new TokenExpiredError('the token has expired; ask for a new one (a new receipt QR code or follow-up link)');
      await checkServiceScope(sql, actor, service, context.departmentPath);
      const channel = input.channel ?? defaultChannel(actor);
      checkChannel(actor.role, channel, actor);
      const evaluation = validateEvaluation({ ...input, channel }, tags);
      const now = app.clock.now().getTime();
      const origin: Origin = { tokenIssuer: tokenIssuer ?? null, clientIpHash: input.clientIp ? app.cipher.blindIndex(input.clientIp) : null };
      return kind === 'first'
        ? storeFirstRating(app, tx, actor, service, context, evaluation, input, { submissionKey: key, externalKey: extKey }, now, origin)
        : storeFollowUp(app, tx, sql, actor, service, evaluation, { submissionKey: key, externalKey: extKey }, now, origin);
    }, batched);
  } catch (err) {
    // Two sends of one answer raced in groups side by side (PostgreSQL): the unique keys let one in and
    // refused the other as a duplicate once the first committed. That one is answered with the winner.
    if ((!key && !extKey) || !(err instanceof AlreadyRatedError)) throw err;
    stored = await app.groupCommit.run(async (tx, sql) => {
      const service = await findService(tx, sql, actor, input);
      const earlier = await earlierOf(tx, sql, service.id);
      if (!earlier) throw err;
      return { value: { ...earlier, attribution: null } };
    });
  }
  const { rating, attribution, service } = stored;
  if (attribution) {
    app.bus.publish({ kind: 'rating', scopes: scopesOf(attribution), at: rating.ratedAt, detail: { ratingId: rating.id, serviceId: rating.serviceId } });
  }
  const followUp = kind === 'first' && actor.role === 'rater' ? await signFollowUp(app, service, rating, app.clock.now().getTime()) : null;
  return { rating, service, resent: attribution === null, followUp };
}

/** The rating stored under this submission key, checked against what was sent now (CONFLICT if another answer). */
async function storedSubmission(
  sql: Sql,
  em: Em,
  by: { column: 'submission_key' | 'external_key'; key: string; id: string },
  sent: { serviceId: number; level: number; assessNumber: number },
): Promise<{ rating: Rating; service: Service } | null> {
  const [row] = await sql.all(`select * from rating where ${by.column} = ?`, [by.key]);
  if (!row) return null;
  const rating = rowReader(em, RatingSchema)(row);
  const [serviceRow] = await sql.all('select * from service where id = ?', [rating.serviceId]);
  const service = rowReader(em, ServiceSchema)(serviceRow!);
  checkResend(by.id, rating, sent, `${service.projectNo}#${service.serviceNumber}`, by.column === 'submission_key' ? 'submissionId' : 'externalId');
  return { rating, service };
}

/** The follow-up link of a first rating (R9), or null when follow-ups are off or their period is over. */
async function signFollowUp(app: RatingDeps, service: Service, rating: Rating, now: number): Promise<{ token: string; expiresAt: Date } | null> {
  if (app.config.followUpDays === 0 || rating.assessNumber !== 1 || rating.isDefault) return null;
  const ttlSeconds = Math.floor((followUpClosesAt(rating, app.config) - now) / 1000);
  if (ttlSeconds <= 0) return null;
  const { token, expiresAt } = await app.tokens.sign('followup', String(service.id), ttlSeconds, { rid: rating.id });
  return { token, expiresAt: expiresAt! };
}

/** What the rating path reads with its service, in the same statement: the case, its units (R10), the service's department path (R8). */
interface ServiceContext {
  kase: CaseRecord | null;
  units: UnitRow[];
  departmentPath: string | null;
}

const targetSql = new WeakMap<object, { head: string; byId: string; byNumber: string }>();

/** The target select's text: the service with its context, one row per unit of its case. */
function targetTexts(em: Em): { head: string; byId: string; byNumber: string } {
  const metadata = em.getMetadata();
  let texts = targetSql.get(metadata);
  if (!texts) {
    const head =
      `select s.*, sd.path as target_department_path, ${prefixedColumns(em, CaseSchema, 'c', 'c__')}, ` +
      `cu.department_id as u__department_id, cu.item_id as u__item_id, ud.region_code as u__region_code, ud.path as u__path ` +
      `from service s left join department sd on sd.id = s.department_id left join case_record c on c.id = s.case_id ` +
      `left join case_unit cu on cu.case_id = c.id left join department ud on ud.id = cu.department_id `;
    texts = { head, byId: `${head}where s.id = ?`, byNumber: `${head}where s.project_no = ? and s.service_number = ?` };
    targetSql.set(metadata, texts);
  }
  return texts;
}

/**
 * The service being rated with its context, in one statement (one round trip on PostgreSQL instead
 * of four): one row per unit of its case, the service's and the case's columns repeated.
 */
async function findTarget(em: Em, sql: Sql, actor: Actor, input: SubmitEvaluationInput): Promise<{ service: Service; context: ServiceContext }> {
  const texts = targetTexts(em);
  let rows: Record<string, unknown>[];
  if (actor.role === 'rater') rows = await sql.all(texts.byId, [actor.serviceId!]);
  else if (!input.projectNo || input.serviceNumber == null) return { service: await findService(em, sql, actor, input), context: emptyContext() };
  else rows = await sql.all(texts.byNumber, [input.projectNo, input.serviceNumber]);
  if (rows.length === 0) return { service: await findService(em, sql, actor, input), context: emptyContext() }; // the refusal, worded as before
  const target = targetOf(em, rows);
  if (actor.role === 'rater') checkTokenService(target.service, input);
  return target;
}

/** The service and its context from the rows of the target select (one per unit of its case). */
function targetOf(em: Em, rows: Record<string, unknown>[]): { service: Service; context: ServiceContext } {
  const service = rowReader(em, ServiceSchema)(rows[0]!);
  const first = rows[0]!;
  return {
    service,
    context: {
      kase: first.c__id == null ? null : prefixedReader(em, CaseSchema, 'c__')(first),
      departmentPath: (first.target_department_path as string | null) ?? null,
      units: rows
        .filter((r) => r.u__department_id != null)
        .map((r) => ({
          department_id: Number(r.u__department_id),
          item_id: Number(r.u__item_id),
          region_code: String(r.u__region_code),
          path: String(r.u__path),
        })),
    },
  };
}

function emptyContext(): ServiceContext {
  return { kase: null, units: [], departmentPath: null };
}

function checkTokenService(service: Service, input: SubmitEvaluationInput): void {
  if (input.projectNo && (input.projectNo !== service.projectNo || (input.serviceNumber ?? service.serviceNumber) !== service.serviceNumber)) {
    throw InvalidInputError.field(
      'projectNo/serviceNumber',
      `the service of the token (${service.projectNo}#${service.serviceNumber})`,
      `${input.projectNo}#${input.serviceNumber ?? ''}`,
    );
  }
}

async function findService(em: Em, sql: Sql, actor: Actor, input: SubmitEvaluationInput): Promise<Service> {
  const read = rowReader(em, ServiceSchema);
  if (actor.role === 'rater') {
    const [row] = await sql.all('select * from service where id = ?', [actor.serviceId!]);
    const service = row ? read(row) : null;
    if (!service) throw NotFoundError.of('service bound to this token', String(actor.serviceId));
    checkTokenService(service, input);
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
async function checkServiceScope(sql: Sql, actor: Actor, service: Service, departmentPath?: string | null): Promise<void> {
  if (actor.role === 'device') {
    const own = actor.windowId ? service.windowId === actor.windowId : service.terminalId === actor.terminalId;
    if (!own) throw ForbiddenError.scope(`service ${service.projectNo}#${service.serviceNumber} (not served at this device)`);
  }
  if (actor.role === 'hotline' && !(actor.regionCode && isWithinRegion(service.regionCode, actor.regionCode))) {
    throw ForbiddenError.scope(`service ${service.projectNo}#${service.serviceNumber} (outside this hotline's region)`);
  }
  if (actor.role === 'system') {
    const path =
      departmentPath !== undefined
        ? departmentPath
        : (await sql.all<{ path: string }>('select path from department where id = ?', [service.departmentId]))[0]?.path;
    if (!actor.departmentPath || !path?.startsWith(actor.departmentPath)) {
      throw ForbiddenError.scope(`service ${service.projectNo}#${service.serviceNumber} (another department's)`);
    }
  }
}

function defaultChannel(actor: Actor): Channel {
  if (actor.role === 'device') return actor.terminalId ? 'TERMINAL' : 'WINDOW';
  if (actor.role === 'rater') return 'QR';
  if (actor.role === 'hotline') return 'HOTLINE';
  return 'IMPORT';
}

interface Stored {
  /** `attribution` is null for a resend: nothing was stored, nothing is announced. */
  value: { rating: Rating; attribution: Attribution | null; service: Service };
  deltas?: Counted;
}

/** R12: numbers and addresses typed into a comment are masked before anyone sees it; the original is sealed. */
function sealedComment(app: RatingDeps, comment: string | null): Pick<Rating, 'comment' | 'commentSealed'> {
  if (!comment) return { comment: null, commentSealed: null };
  const masked = maskPersonalDataInText(comment);
  if (masked.found.length === 0) return { comment, commentSealed: null };
  return { comment: masked.text, commentSealed: app.cipher.encrypt(comment) };
}

/** Where a rating came from, kept for fraud signals (R18): the token's issuer and the address's keyed hash. */
type Origin = Pick<Rating, 'tokenIssuer' | 'clientIpHash'>;

function newRating(
  app: RatingDeps,
  actor: Actor,
  service: Service,
  evaluation: NormalizedEvaluation,
  assessNumber: number,
  rater: Pick<Rating, 'raterNameSealed' | 'raterNameMasked' | 'raterMobileSealed' | 'raterMobileMasked' | 'raterMobileHash'>,
  keys: Pick<Rating, 'submissionKey' | 'externalKey'>,
  now: number,
  origin: Origin,
): Rating {
  return {
    id: 0,
    serviceId: service.id,
    caseId: service.caseId,
    assessNumber,
    level: evaluation.level,
    dimensions: evaluation.dimensions ? JSON.stringify(evaluation.dimensions) : null,
    tags: evaluation.tags.join(','),
    ...sealedComment(app, evaluation.comment),
    channel: evaluation.channel,
    pf: app.channelCodes[evaluation.channel],
    isDefault: false,
    valid: true,
    invalidReason: null,
    ...rater,
    source: actor.role,
    tokenId: actor.tokenId ?? null,
    actorId: actor.apiKeyId ?? null,
    ...keys,
    ...origin,
    ratedAt: now,
  };
}

/** Runs inside the group's transaction (its own savepoint); the caller publishes after the commit. */
async function storeFirstRating(
  app: RatingDeps,
  tx: Em,
  actor: Actor,
  service: Service,
  context: ServiceContext,
  evaluation: NormalizedEvaluation,
  input: SubmitEvaluationInput,
  keys: Pick<Rating, 'submissionKey' | 'externalKey'>,
  now: number,
  origin: Origin,
): Promise<Stored> {
  const kase = context.kase;
  if (!kase) throw NotFoundError.of(`case of service ${service.projectNo}#${service.serviceNumber}`, String(service.caseId));
  const prior = service.ratingId ? await priorRating(tx, service) : null;
  checkFirstRating(prior, app.config, service);
  checkRatingWindow(service, app.config, now);
  const rating = newRating(app, actor, service, evaluation, 1, raterData(app, kase, input), keys, now, origin);
  try {
    const { attribution, counted } = await recordFirstRating(app, tx, kase, service, rating, context.units);
    return { value: { rating, attribution, service }, deltas: counted };
  } catch (err) {
    // A deadlock must reach the group commit as it is: it runs the whole group again.
    throw duplicateAs(err, () => alreadyRated(actor, service));
  }
}

/** A first rating as it joins the group's batch: everything submit() knew before the transaction. */
interface FirstJob {
  app: RatingDeps;
  actor: Actor;
  input: SubmitEvaluationInput;
  key: string | null;
  extKey: string | null;
  expiredToken: boolean;
  tokenIssuer: string | null;
  tags: Awaited<ReturnType<TagDictionary['current']>>;
}

/** A first rating of the batch that passed its checks, to be written. */
interface FirstPlan {
  at: number;
  rating: Rating;
  service: Service;
  kase: CaseRecord;
  units: UnitRow[];
}

type FirstItem = BatchItem<Stored['value'], Counted> | null;

/**
 * The group's first ratings written together (the happy path): ONE select of every service with its
 * context, the checks of each rating as on its own path (R7–R12, each refusal answered to its rating),
 * ONE multi-row insert of the ratings that claims their services, ONE multi-row outbox insert, and the
 * group's one rollup upsert after. Whatever is not plain (a resend, a rated service, a batch case R10,
 * a second rating of one service, token or key in the group) runs alone after the batch, on its
 * exact path; a write that fails throws, and the group runs again rating by rating.
 */
async function storeFirstRatings(tx: Em, sql: Sql, jobs: readonly FirstJob[]): Promise<FirstItem[]> {
  const app = jobs[0]!.app;
  const items: FirstItem[] = jobs.map(() => null);
  const targets = await findTargets(tx, sql, jobs);
  const taken = await takenKeys(sql, jobs);
  const claimed = new Set<string>();
  const plans: FirstPlan[] = [];
  for (let i = 0; i < jobs.length; i++) {
    const job = jobs[i]!;
    const target = targets[i];
    if (!target || job.expiredToken) continue; // its own path words the refusal
    const claims = [`s:${target.service.id}`, job.key && `k:${job.key}`, job.extKey && `k:${job.extKey}`, job.actor.tokenId && `t:${job.actor.tokenId}`];
    if (claims.some((c) => c && claimed.has(c))) continue; // after the earlier one, on its own path
    try {
      const plan = await planFirstRating(app, sql, job, target, taken);
      if (!plan) continue;
      for (const c of claims) if (c) claimed.add(c);
      plans.push({ ...plan, at: i });
    } catch (error) {
      items[i] = { error };
    }
  }
  if (plans.length === 0) return items;
  await insertAndClaim(app, tx, sql, plans);
  const stored = plans.map((p) => ({ rating: p.rating, service: p.service, attribution: attributionFromUnits(p.units, p.kase.kind, p.service.staffId) }));
  for (const hook of app.ratingHooks) {
    if (hook.many) await hook.many(tx, stored);
    else for (const s of stored) await hook(tx, s.rating, s.attribution, s.service);
  }
  stored.forEach((s, k) => {
    const counted = rollupDeltas(s.attribution, { ...s.rating, tags: s.rating.tags ? s.rating.tags.split(',') : [] }, 1);
    items[plans[k]!.at] = { value: s, deltas: counted };
  });
  return items;
}

/** The checks of one first rating, in its own path's order; null: not plain, it runs alone. */
async function planFirstRating(
  app: RatingDeps,
  sql: Sql,
  { actor, input, key, extKey, tokenIssuer, tags }: FirstJob,
  { service, context }: { service: Service; context: ServiceContext },
  taken: Set<string>,
): Promise<Omit<FirstPlan, 'at'> | null> {
  if (actor.role === 'rater') checkTokenService(service, input);
  if ((key && taken.has(key)) || (extKey && taken.has(extKey))) return null; // a resend
  await checkServiceScope(sql, actor, service, context.departmentPath);
  const channel = input.channel ?? defaultChannel(actor);
  checkChannel(actor.role, channel, actor);
  const evaluation = validateEvaluation({ ...input, channel }, tags);
  const now = app.clock.now().getTime();
  const origin: Origin = { tokenIssuer, clientIpHash: input.clientIp ? app.cipher.blindIndex(input.clientIp) : null };
  const kase = context.kase;
  if (!kase) throw NotFoundError.of(`case of service ${service.projectNo}#${service.serviceNumber}`, String(service.caseId));
  // A rated service (its prior rating decides the answer) and a batch case's services (R10) run alone.
  if (service.ratingId || (kase.kind === 'BATCH' && kase.batchNo)) return null;
  checkRatingWindow(service, app.config, now);
  const rating = newRating(app, actor, service, evaluation, 1, raterData(app, kase, input), { submissionKey: key, externalKey: extKey }, now, origin);
  return { rating, service, kase, units: context.units };
}

/** The batch's services with their context in one select; per job its target, or undefined (none found: its own path refuses). */
async function findTargets(em: Em, sql: Sql, jobs: readonly FirstJob[]): Promise<Array<{ service: Service; context: ServiceContext } | undefined>> {
  const ids = [...new Set(jobs.filter((j) => j.actor.role === 'rater').map((j) => j.actor.serviceId!))];
  const numbers = jobs.filter((j) => j.actor.role !== 'rater' && j.input.projectNo && j.input.serviceNumber != null).map((j) => j.input);
  const where: string[] = [];
  if (ids.length) where.push(`s.id in (${ids.map(() => '?').join(', ')})`);
  for (let k = 0; k < numbers.length; k++) where.push('(s.project_no = ? and s.service_number = ?)');
  if (where.length === 0) return jobs.map(() => undefined);
  let rows: Record<string, unknown>[];
  if (jobs[0]!.app.dialect === 'sqlite') {
    // No round trips to save on SQLite: the one-service select, prepared once, per service costs less
    // than planning and running one statement of a few hundred OR terms (it grew faster than the batch).
    const texts = targetTexts(em);
    rows = [];
    for (const id of ids) rows.push(...(await sql.all(texts.byId, [id])));
    for (const n of numbers) rows.push(...(await sql.all(texts.byNumber, [n.projectNo, n.serviceNumber])));
  } else {
    rows = await sql.all(`${targetTexts(em).head}where ${where.join(' or ')}`, [...ids, ...numbers.flatMap((n) => [n.projectNo, n.serviceNumber])], {
      prepare: false,
    });
  }
  const byId = new Map<number, Record<string, unknown>[]>();
  const byNumber = new Map<string, number>();
  for (const row of rows) {
    const id = Number(row.id);
    const own = byId.get(id);
    if (own) own.push(row);
    else {
      byId.set(id, [row]);
      byNumber.set(`${String(row.project_no)}#${Number(row.service_number)}`, id);
    }
  }
  const targets = new Map<number, { service: Service; context: ServiceContext }>();
  return jobs.map((job) => {
    const id = job.actor.role === 'rater' ? job.actor.serviceId! : byNumber.get(`${job.input.projectNo}#${job.input.serviceNumber}`);
    const own = id === undefined ? undefined : byId.get(id);
    if (!own) return undefined;
    let target = targets.get(id!);
    if (!target) targets.set(id!, (target = targetOf(em, own)));
    return { service: { ...target.service }, context: target.context };
  });
}

/** Which of the batch's submission and external keys are stored already (those are resends, answered alone). */
async function takenKeys(sql: Sql, jobs: readonly FirstJob[]): Promise<Set<string>> {
  const keys = jobs.flatMap((j) => [j.key, j.extKey].filter((k): k is string => !!k));
  if (keys.length === 0) return new Set();
  const marks = keys.map(() => '?').join(', ');
  const rows = await sql.all<{ submission_key: string | null; external_key: string | null }>(
    `select submission_key, external_key from rating where submission_key in (${marks}) or external_key in (${marks})`,
    [...keys, ...keys],
    { prepare: false },
  );
  return new Set(rows.flatMap((r) => [r.submission_key, r.external_key].filter((k): k is string => !!k)));
}

/**
 * The batch's ratings inserted and their services claimed (see markRated): on PostgreSQL in one
 * statement, on SQLite an insert and one update. Sets each rating's id; throws when a claim is lost.
 */
async function insertAndClaim(app: RatingDeps, tx: Em, sql: Sql, plans: FirstPlan[]): Promise<void> {
  const values = plans.flatMap((p) => insertValues(tx, RatingSchema, p.rating));
  const insert = `${insertManyStatement(tx, RatingSchema, plans.length)} returning id, service_id`;
  let rows: Array<{ id: number; service_id: number }>;
  let claimed: number;
  if (app.dialect === 'postgresql') {
    const all = await sql.all<{ id: number; service_id: number; claimed: number }>(
      `with r as (${insert}), ` +
        `u as (update service set rating_id = r.id from r where service.id = r.service_id and coalesce(service.rating_id, 0) = 0 returning 1) ` +
        `select r.id, r.service_id, (select count(*) from u) as claimed from r`,
      values,
      { prepare: false },
    );
    rows = all;
    claimed = Number(all[0]?.claimed ?? 0);
  } else {
    rows = await sql.all(insert, values, { prepare: false });
    // One prepared single-row claim per rating (no round trips on SQLite): a `case id when … end` over
    // the group grew with the square of its size (14 µs a rating at 200 against 7.5 µs this way).
    claimed = 0;
    for (const r of rows) {
      claimed += await sql.run('update service set rating_id = ? where id = ? and coalesce(rating_id, 0) = 0', [Number(r.id), Number(r.service_id)]);
    }
  }
  const idOf = new Map(rows.map((r) => [Number(r.service_id), Number(r.id)]));
  for (const p of plans) p.rating.id = idOf.get(p.service.id) ?? 0;
  if (claimed !== plans.length || plans.some((p) => !p.rating.id)) throw new Error('a service of the batch was claimed meanwhile');
}

/** A follow-up (追评) is kept and can open a rectification case, but counts in no figure (R9). */
async function storeFollowUp(
  app: RatingDeps,
  tx: Em,
  sql: Sql,
  actor: Actor,
  service: Service,
  evaluation: NormalizedEvaluation,
  keys: Pick<Rating, 'submissionKey' | 'externalKey'>,
  now: number,
  origin: Origin,
): Promise<Stored> {
  const first = service.ratingId ? await tx.findOneOrFail(RatingSchema, { id: service.ratingId }) : null;
  checkFollowUp(first ? await priorRating(tx, service, first) : null, app.config, now, service);
  // The follow-up is the first rating's rater speaking again: the same (sealed) rater data (R12).
  const rater = {
    raterNameSealed: first!.raterNameSealed,
    raterNameMasked: first!.raterNameMasked,
    raterMobileSealed: first!.raterMobileSealed,
    raterMobileMasked: first!.raterMobileMasked,
    raterMobileHash: first!.raterMobileHash,
  };
  const rating = newRating(app, actor, service, evaluation, 2, rater, keys, now, origin);
  try {
    rating.id = await insertRow(tx, sql, RatingSchema, rating);
    const attribution = emptyAttribution();
    await runHooks(app, tx, rating, attribution, service);
    return { value: { rating, attribution, service }, deltas: { counts: [], tags: [] } };
  } catch (err) {
    throw duplicateAs(
      err,
      () =>
        new AlreadyRatedError(`service ${service.projectNo}#${service.serviceNumber} already has its follow-up rating (追评); one follow-up per service (R9)`, {
          projectNo: service.projectNo,
          serviceNumber: service.serviceNumber,
        }),
    );
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

async function priorRating(em: Em, service: Service, first?: Rating): Promise<PriorRating> {
  const rating = first ?? (await em.findOneOrFail(RatingSchema, { id: service.ratingId! }));
  const followUps = await em.count(RatingSchema, { serviceId: service.id, assessNumber: 2 });
  return { ratedAt: rating.ratedAt, isDefault: rating.isDefault, followUps };
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
  /** The units of the service's case when the caller read them already (a batch reads its cases' own). */
  units?: UnitRow[],
): Promise<{ attribution: Attribution; counted: Counted }> {
  const sql = await sqlOf(tx);
  const covered = await coveredServices(tx, kase, service);
  const serviceIds = covered.map((s) => s.id);
  if (app.dialect === 'postgresql') {
    // Stored and claimed in one statement (one round trip); a refused claim rolls back with the job.
    const [row] = await sql.all<{ id: number; claimed: number }>(insertAndClaimSql(tx, serviceIds.length), [
      ...insertValues(tx, RatingSchema, rating),
      ...serviceIds,
    ]);
    rating.id = Number(row!.id);
    if (Number(row!.claimed) !== serviceIds.length) throw AlreadyRatedError.service(service.projectNo, service.serviceNumber);
  } else {
    rating.id = await insertRow(tx, sql, RatingSchema, rating);
    await markRated(sql, serviceIds, rating.id, service);
  }
  const caseIds = [...new Set(covered.map((s) => s.caseId))];
  const attribution =
    units && caseIds.length === 1 && caseIds[0] === service.caseId
      ? attributionFromUnits(units, kase.kind, service.staffId)
      : await loadAttribution(tx, caseIds, kase.kind, service.staffId);
  const counted = rollupDeltas(attribution, { ...rating, tags: rating.tags ? rating.tags.split(',') : [] }, 1);
  await runHooks(app, tx, rating, attribution, service);
  return { attribution, counted };
}

/**
 * PostgreSQL: the rating's insert and the claim of its services (see markRated) as one statement.
 * The update reads the new id from the insert's `returning`; the count says how many were claimed.
 */
function insertAndClaimSql(em: Em, services: number): string {
  return (
    `with r as (${insertStatement(em, RatingSchema).text} returning id), ` +
    `u as (update service set rating_id = (select id from r) where id in (${Array.from({ length: services }, () => '?').join(', ')}) and coalesce(rating_id, 0) = 0 returning 1) ` +
    `select (select id from r) as id, (select count(*) from u) as claimed`
  );
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
      raterMobileHash: input.raterMobile ? mobileHash(app, input.raterMobile) : null,
    };
  }
  return {
    raterNameSealed: kase.applicantNameSealed,
    raterNameMasked: kase.applicantNameMasked,
    raterMobileSealed: kase.applicantMobileSealed,
    raterMobileMasked: kase.applicantMobileMasked,
    // The hash kept at registration when it is still the current key's; else from the sealed number (older cases, a rotated key).
    raterMobileHash: kase.applicantMobileSealed
      ? (keptMobileIndex(app.cipher, kase.applicantMobileHash) ?? mobileHash(app, kase.applicantMobileSealed, true))
      : null,
  };
}

/** R18: the keyed hash of the rater's mobile (digits only), never the number; null when it cannot be read. */
function mobileHash(app: RatingDeps, mobile: string, sealed = false): string | null {
  try {
    return mobileBlindIndex(app.cipher, sealed ? app.cipher.decrypt(mobile) : mobile);
  } catch {
    return null;
  }
}

function emptyAttribution(): Attribution {
  return { bucket: 'H', regionCodes: [], departmentIds: [], itemIds: [], staffIds: [] };
}
