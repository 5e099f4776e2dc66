import { Field, Float, GraphQLISODateTime, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Outbox records of one state and topic' })
export class OutboxCountView {
  @Field(() => String, { description: 'PENDING, DELIVERED, POISON or DISCARDED' }) state!: string;
  @Field(() => String, { description: 'exchange.service, exchange.evaluation, rectification.record, notify.sms, notify.portal' }) topic!: string;
  @Field(() => Int) count!: number;
}

@ObjectType({ description: 'One outbox record (no payload: it may hold sealed personal data)' })
export class OutboxRecordView {
  @Field(() => Int) id!: number;
  @Field(() => String) topic!: string;
  @Field(() => String, { description: 'The stable key sent as Idempotency-Key' }) recordKey!: string;
  @Field(() => String, { description: 'aggregate type and id, e.g. case:12 (records of one aggregate are delivered in order)' }) aggregate!: string;
  @Field(() => String) state!: string;
  @Field(() => Int) attempts!: number;
  @Field(() => Int, { description: 'Answers that refused the record (timeouts not counted)' }) refusals!: number;
  @Field(() => String, { nullable: true }) lastError?: string | null;
  @Field(() => GraphQLISODateTime) createdAt!: Date;
  @Field(() => GraphQLISODateTime, { description: 'Not sent again before this time' }) availableAt!: Date;
  @Field(() => GraphQLISODateTime, { nullable: true }) deliveredAt?: Date | null;
}

@ObjectType({ description: 'Delivery to the provincial platform and the message gateways (R17, R26)' })
export class OutboxStatusView {
  @Field(() => [OutboxCountView]) counts!: OutboxCountView[];
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Creation time of the oldest record still waiting' }) oldestPendingAt?: Date | null;
  @Field(() => Float, { nullable: true, description: 'Age in seconds of the oldest record still waiting' }) oldestPendingAgeSeconds?: number | null;
  @Field(() => [OutboxRecordView], { description: 'Records refused too often (OUTBOX_POISON_AFTER), with their last error; retry or discard them' })
  poison!: OutboxRecordView[];
  @Field(() => Boolean, { description: 'Whether PROVINCE_URL is set (unset: provincial records wait)' }) provinceConfigured!: boolean;
}
