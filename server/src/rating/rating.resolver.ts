import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import { ForbiddenError, InvalidInputError } from '../common/errors.js';
import type { Em } from '../db/orm.js';
import { DepartmentSchema } from '../catalog/catalog.entities.js';
import { isWithinRegion } from '../catalog/region.logic.js';
import { ServiceSchema } from '../case/case.entities.js';
import { CHANNELS, type Channel } from '../catalog/channel.logic.js';
import { RatingSchema } from './rating.entity.js';
import { submitEvaluation, type RatingDeps } from './rating.service.js';
import { RatingView, SubmitEvaluationInput } from './rating.types.js';
import { toRatingView } from './rating.view.js';

@Resolver()
export class RatingResolver {
  @Authorized('public', 'rater', 'device', 'system')
  @Mutation(() => RatingView, { description: 'Rates one service (R9); a token in the input identifies a citizen rater' })
  async submitEvaluation(
    @Arg('input', () => SubmitEvaluationInput) input: SubmitEvaluationInput,
    @Ctx() { app, actor }: Context<RatingDeps>,
  ): Promise<RatingView> {
    if (input.channel && !(CHANNELS as readonly string[]).includes(input.channel)) {
      throw InvalidInputError.field('channel', CHANNELS.filter((c) => c !== 'DEFAULT').join(', '), input.channel);
    }
    const { rating, service } = await submitEvaluation(app, actor, {
      ...input,
      channel: (input.channel as Channel | undefined) ?? null,
      dimensions: input.dimensions ? Object.fromEntries(input.dimensions.map((d) => [d.key, d.level])) : null,
    });
    return toRatingView(rating, service, input.token ? { role: 'rater', label: 'rater' } : actor, await app.tags.byCode());
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
    return toRatingView(rating, service, actor, await app.tags.byCode());
  }
}
