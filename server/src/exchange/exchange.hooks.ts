import type { ServiceHook } from '../case/case.service.js';
import { ServiceSchema } from '../case/case.entities.js';
import type { PiiCipher } from '../common/crypto.js';
import type { Clock } from '../common/clock.js';
import { OutboxSchema, type OutboxRecord } from '../db/outbox.entities.js';
import type { Em } from '../db/orm.js';
import { insertRow, insertRows, sqlOf, type Sql } from '../db/sql.js';
import type { OutboxEntry } from '../db/outbox.store.js';
import type { Rating } from '../rating/rating.entity.js';
import type { RatingHook, StoredRating } from '../rating/rating.service.js';
import type { InvalidationHook } from '../rectification/invalidation.js';
import { CASE_AGGREGATE, evaluationRecord, PROVINCE_TOPICS, recordKeys, serviceRecord, type Sealed } from './records.logic.js';

/** The after-store hooks that write the provincial records into the outbox, each in its change's own transaction (R26). */
export interface ExchangeHooks {
  readonly onServiceStored: ServiceHook;
  readonly onRatingStored: RatingHook;
  readonly onRatingInvalidated: InvalidationHook;
}

export function createExchangeHooks(deps: { cipher: PiiCipher; clock: Clock }): ExchangeHooks {
  const seal = (value: string): Sealed => ({ $sealed: deps.cipher.encrypt(value) });
  const one = async (tx: Em, rating: Rating, _attribution: unknown, service: StoredRating['service']) => {
    await append(tx, await sqlOf(tx), evaluationEntry(rating, service, recordKeys.evaluation(rating.id)), deps.clock.now().getTime());
  };
  // A group's ratings written together: their evaluation records in one multi-row insert, in the group's
  // order, kept (on PostgreSQL sent with the group's counter upserts: no round trip of its own). Every
  // later outbox write of the transaction goes through the same runner (append, appendOutbox), which
  // sends these first: the order per case holds (R26).
  const many = async (tx: Em, stored: readonly StoredRating[]) => {
    const now = deps.clock.now().getTime();
    const rows = stored.map(({ rating, service }) => outboxRecord(evaluationEntry(rating, service, recordKeys.evaluation(rating.id)), now));
    await insertRows(tx, await sqlOf(tx), OutboxSchema, rows, { kept: true });
  };
  const onRatingStored: RatingHook = Object.assign(one, { many });
  return {
    onServiceStored: async (tx, sql, { service, item, department, input }) => {
      const record = serviceRecord({
        projectNo: service.projectNo,
        serviceNumber: service.serviceNumber,
        serviceName: service.nodeName,
        taskCode: item.taskCode,
        taskHandleItem: item.handleItemCode,
        taskName: item.name,
        taskType: item.itemType,
        deptCode: department.creditCode,
        deptName: department.name,
        areaCode: service.regionCode,
        proStatus: service.proStatus,
        acceptedAt: service.acceptedAt,
        completedAt: service.completedAt,
        userProp: input.userProp ?? 1,
        proChannel: service.proChannel,
        userName: seal(input.userName),
        certKey: input.certKey ? seal(input.certKey) : null,
        mobile: input.mobile ? seal(input.mobile) : null,
      });
      await append(
        tx,
        sql,
        {
          topic: PROVINCE_TOPICS.service,
          recordKey: recordKeys.service(service.id, service.proStatus),
          aggregateType: CASE_AGGREGATE,
          aggregateId: service.caseId,
          payload: record,
        },
        deps.clock.now().getTime(),
      );
    },
    onRatingStored,
    onRatingInvalidated: async (tx, rating) => {
      const service = await tx.findOneOrFail(ServiceSchema, { id: rating.serviceId });
      await append(tx, await sqlOf(tx), evaluationEntry(rating, service, recordKeys.invalidation(rating.id)), deps.clock.now().getTime());
    },
  };
}

function evaluationEntry(rating: Rating, service: { projectNo: string; serviceNumber: number }, recordKey: string): OutboxEntry {
  return {
    topic: PROVINCE_TOPICS.evaluation,
    recordKey,
    aggregateType: CASE_AGGREGATE,
    aggregateId: rating.caseId,
    payload: evaluationRecord({
      ratingId: rating.id,
      projectNo: service.projectNo,
      serviceNumber: service.serviceNumber,
      assessNumber: rating.assessNumber,
      pf: rating.pf,
      level: rating.level,
      tags: rating.tags,
      comment: rating.comment,
      ratedAt: rating.ratedAt,
      isDefault: rating.isDefault,
      valid: rating.valid,
      invalidReason: rating.invalidReason,
    }),
  };
}

/** One plain prepared insert on the change's transaction (the rating hot path; no ORM unit of work). */
async function append(tx: Em, sql: Sql, e: OutboxEntry, now: number): Promise<void> {
  await insertRow(tx, sql, OutboxSchema, outboxRecord(e, now));
}

function outboxRecord(e: OutboxEntry, now: number): Omit<OutboxRecord, 'id'> {
  return {
    topic: e.topic,
    recordKey: e.recordKey,
    aggregateType: e.aggregateType,
    aggregateId: String(e.aggregateId),
    payload: JSON.stringify(e.payload),
    createdAt: now,
    availableAt: e.availableAt ?? now,
    attempts: 0,
    deliveredAt: null,
    lastError: null,
    state: 'PENDING',
    refusals: 0,
    claimedBy: null,
    leaseUntil: null,
  };
}
