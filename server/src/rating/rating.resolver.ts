import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Actor } from '../common/actor.js';
import type { Context } from '../common/context.js';
import { ForbiddenError, InvalidInputError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { DepartmentSchema } from '../catalog/catalog.entities.js';
import { isWithinRegion } from '../catalog/region.logic.js';
import { ServiceSchema } from '../case/case.entities.js';
import { CHANNELS, type Channel } from '../catalog/channel.logic.js';
import { RatingSchema } from './rating.entity.js';
import { issueFollowUpToken, submitEvaluation, submitEvaluations, submitFollowUp, type RatingDeps, type SubmittedRating } from './rating.service.js';
import { EvaluationRecordInput, RatingView, SubmitEvaluationInput, SubmitFollowUpInput, type DimensionInput } from './rating.types.js';
import { evaluationRecordInput } from './evaluation-record.logic.js';
import { BatchRecordResult, RatingTokenView } from '../case/case.types.js';
import { answerBatch } from '../case/case.view.js';
import { auditMaskedRaterView, toRatingView } from './rating.view.js';

/** Citizens rate without a key: their ratings are limited per client address (machine keys are trusted senders). */
async function limitAnonymous(app: RatingDeps, actor: Actor, clientIp: string | undefined): Promise<void> {
  if (actor.role === 'public' || actor.role === 'rater') await app.rateLimits.take('ratingPerAddress', clientIp ?? 'unknown');
}

@Resolver()
export class RatingResolver {
  @Authorized('public', 'rater', 'device', 'system', 'hotline')
  @Mutation(() => RatingView, {
    description:
      'Rates one service once (R9); a token in the input identifies a citizen rater; a 12345 hotline operator enters a phone rating (channel HOTLINE) for a service in their region. A second first rating is ALREADY_RATED (a follow-up is submitFollowUp); a resend with the same submissionId returns the stored rating',
  })
  async submitEvaluation(
    @Arg('input', () => SubmitEvaluationInput) input: SubmitEvaluationInput,
    @Ctx() { app, actor, clientIp }: Context<RatingDeps>,
  ): Promise<RatingView> {
    await limitAnonymous(app, actor, clientIp);
    const submitted = await submitEvaluation(app, actor, { ...input, channel: channelOf(input.channel), dimensions: dimensionsOf(input.dimensions), clientIp });
    return answer(app, submitted, input.token ? RATER : actor);
  }

  @Authorized('system', 'device')
  @Mutation(() => [BatchRecordResult], {
    description:
      'Rates up to 1,000 services in one call (R8, R9), for department systems and devices: each record answered on its own, in order: CREATED, UNCHANGED (already there: the same submissionId or externalId again, or without either the same level already given by this key), or REFUSED with code and message (a field missing or of the wrong type, e.g. level "5" or 9: BAD_USER_INPUT); a refused record never refuses the others. More than 1,000: BATCH_TOO_LARGE, nothing stored',
  })
  async submitEvaluations(
    @Arg('inputs', () => [EvaluationRecordInput]) inputs: EvaluationRecordInput[],
    @Ctx() { app, actor }: Context<RatingDeps>,
  ): Promise<BatchRecordResult[]> {
    // Each record's fields are checked here, not by GraphQL, so a wrongly typed record is refused alone.
    return answerBatch(
      inputs,
      evaluationRecordInput,
      (records) => submitEvaluations(app, actor, records),
      (submitted) => submitted.rating.id,
      'ratings',
    );
  }

  @Authorized('public', 'rater', 'device', 'system')
  @Mutation(() => RatingView, {
    description:
      'Adds the one follow-up rating (追评, R9) to a rated service where FOLLOW_UP_DAYS allows it: with the follow-up token given with the first rating, or a device or system key naming the service. Kept outside the figures; a bad one opens a rectification case (R13)',
  })
  async submitFollowUp(
    @Arg('input', () => SubmitFollowUpInput) input: SubmitFollowUpInput,
    @Ctx() { app, actor, clientIp }: Context<RatingDeps>,
  ): Promise<RatingView> {
    await limitAnonymous(app, actor, clientIp);
    const submitted = await submitFollowUp(app, actor, { ...input, channel: channelOf(input.channel), dimensions: dimensionsOf(input.dimensions), clientIp });
    return answer(app, submitted, input.token ? RATER : actor);
  }

  @Authorized('system', 'device', 'admin')
  @Mutation(() => RatingTokenView, {
    description: "Issues the rater's follow-up link (追评, R9) for a rated service, valid until the follow-up period ends (submitFollowUp's token)",
  })
  async issueFollowUpToken(
    @Arg('projectNo', () => String) projectNo: string,
    @Arg('serviceNumber', () => Int) serviceNumber: number,
    @Ctx() { app, actor }: Context<RatingDeps>,
  ): Promise<RatingTokenView> {
    await app.rateLimits.take('tokenIssue', actor.label);
    return issueFollowUpToken(app, actor, projectNo, serviceNumber);
  }

  @Authorized('department', 'supervisor', 'system', 'admin')
  @Query(() => RatingView, { nullable: true, description: "One rating, within the caller's department or region" })
  async rating(@Arg('id', () => Int) id: number, @Ctx() { app, actor }: Context<RatingDeps>): Promise<RatingView | null> {
    const em = app.orm.em.fork() as Em;
    const rating = await em.findOne(RatingSchema, { id });
    if (!rating) return null;
    const service = await em.findOneOrFail(ServiceSchema, { id: rating.serviceId });
    const dept = await em.findOneOrFail(DepartmentSchema, { id: service.departmentId });
    const inScope =
      actor.role === 'admin' ||
      (actor.role === 'supervisor' && !!actor.regionCode && isWithinRegion(dept.regionCode, actor.regionCode)) ||
      dept.path.startsWith(actor.departmentPath ?? '\0');
    if (!inScope) throw ForbiddenError.scope(`rating ${id}`);
    const view = toRatingView(rating, service, actor, await app.tags.byCode());
    await auditMaskedRaterView(app, actor, `rating:${id}`, [view]);
    return view;
  }
}

const RATER: Actor = { role: 'rater', label: 'rater' };

function channelOf(channel: string | undefined): Channel | null {
  if (channel && !(CHANNELS as readonly string[]).includes(channel)) {
    throw InvalidInputError.field('channel', CHANNELS.filter((c) => c !== 'DEFAULT').join(', '), channel);
  }
  return (channel as Channel | undefined) ?? null;
}

function dimensionsOf(dimensions: DimensionInput[] | undefined): Record<string, number> | null {
  return dimensions ? Object.fromEntries(dimensions.map((d) => [d.key, d.level])) : null;
}

async function answer(app: RatingDeps, { rating, service, followUp }: SubmittedRating, viewer: Actor): Promise<RatingView> {
  return {
    ...toRatingView(rating, service, viewer, await app.tags.byCode()),
    followUpToken: followUp?.token ?? null,
    followUpUntil: followUp?.expiresAt ?? null,
  };
}
