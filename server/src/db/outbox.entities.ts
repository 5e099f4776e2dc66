import { EntitySchema } from '@mikro-orm/core';
import { int, millis, optMillis, optStr, pk, str, text } from '../common/columns.js';

/**
 * One outbox for everything that leaves the system (R17, R26): provincial records, SMS, portal messages.
 * Rows are written in the transaction of the change they report and delivered after it; `recordKey` is
 * the idempotency key the receiver sees, so a redelivery is harmless. Personal data in a payload is
 * stored sealed and opened only by the deliverer.
 */
export interface OutboxRecord {
  id: number;
  topic: string;
  recordKey: string;
  aggregateType: string;
  aggregateId: string;
  payload: string;
  createdAt: number;
  availableAt: number;
  attempts: number;
  deliveredAt: number | null;
  lastError: string | null;
  /** PENDING (to deliver), DELIVERED (acknowledged: never sent again), POISON (refused too often), DISCARDED (by an administrator). */
  state: OutboxState;
  /** Answers of the other side that refused the record (not timeouts): POISON after OUTBOX_POISON_AFTER. */
  refusals: number;
  /** The worker holding the record while it is being sent, until `leaseUntil`. */
  claimedBy: string | null;
  leaseUntil: number | null;
}

export type OutboxState = 'PENDING' | 'DELIVERED' | 'POISON' | 'DISCARDED';
export const OutboxSchema = new EntitySchema<OutboxRecord>({
  name: 'OutboxRecord',
  tableName: 'outbox',
  indexes: [{ properties: ['deliveredAt', 'availableAt'] }, { properties: ['state', 'availableAt'] }, { properties: ['aggregateType', 'aggregateId'] }],
  properties: {
    id: pk,
    topic: str(40),
    recordKey: { ...str(120), unique: true },
    aggregateType: str(30),
    aggregateId: str(40),
    payload: text,
    createdAt: millis,
    availableAt: millis,
    attempts: int,
    deliveredAt: optMillis,
    lastError: optStr(500),
    state: { ...str(12), default: 'PENDING' },
    refusals: { ...int, default: 0 },
    claimedBy: optStr(60),
    leaseUntil: optMillis,
  },
});

export const outboxEntities = [OutboxSchema];
