import { Arg, Authorized, Ctx, Int, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../common/context.js';
import type { OutboxRecord } from '../db/outbox.entities.js';
import { discardOutboxRecord, outboxStatus, retryOutboxRecord } from './exchange.service.js';
import type { ExchangeDeps } from './outbox.worker.js';
import { OutboxRecordView, OutboxStatusView } from './exchange.types.js';

@Resolver()
export class ExchangeResolver {
  @Authorized('admin')
  @Query(() => OutboxStatusView, { description: 'Delivery state of the outbox: counts by state and topic, oldest waiting record, poison records (R17, R26)' })
  async outboxStatus(@Ctx() { app }: Context<ExchangeDeps>): Promise<OutboxStatusView> {
    const status = await outboxStatus(app);
    const now = app.clock.now().getTime();
    return {
      counts: status.counts,
      oldestPendingAt: status.oldestPendingAt === null ? null : new Date(status.oldestPendingAt),
      oldestPendingAgeSeconds: status.oldestPendingAt === null ? null : Math.max(0, (now - status.oldestPendingAt) / 1000),
      poison: status.poison.map(recordView),
      provinceConfigured: status.provinceConfigured,
    };
  }

  @Authorized('admin')
  @Mutation(() => OutboxRecordView, { description: 'Sends a poison or waiting record again now (audited); a delivered record is never sent again' })
  async retryOutboxRecord(@Arg('id', () => Int) id: number, @Ctx() { app, actor }: Context<ExchangeDeps>): Promise<OutboxRecordView> {
    return recordView(await retryOutboxRecord(app, actor, id));
  }

  @Authorized('admin')
  @Mutation(() => OutboxRecordView, { description: 'Gives up on a poison or waiting record, with the reason (audited): it is never sent' })
  async discardOutboxRecord(
    @Arg('id', () => Int) id: number,
    @Arg('reason', () => String) reason: string,
    @Ctx() { app, actor }: Context<ExchangeDeps>,
  ): Promise<OutboxRecordView> {
    return recordView(await discardOutboxRecord(app, actor, id, reason));
  }
}

function recordView(r: OutboxRecord): OutboxRecordView {
  return {
    id: r.id,
    topic: r.topic,
    recordKey: r.recordKey,
    aggregate: `${r.aggregateType}:${r.aggregateId}`,
    state: r.state,
    attempts: r.attempts,
    refusals: r.refusals,
    lastError: r.lastError,
    createdAt: new Date(r.createdAt),
    availableAt: new Date(r.availableAt),
    deliveredAt: r.deliveredAt === null ? null : new Date(r.deliveredAt),
  };
}

export const exchangeResolvers = [ExchangeResolver] as const;
