import { EntitySchema } from '@mikro-orm/core';
import { int, millis, optInt, optMillis, optStr, pk, str } from '../common/columns.js';

/**
 * R5: the SMS invitation to rate one service, sent once (unique per service). The mobile is kept only
 * as a keyed hash (`cipher.blindIndex`) to match an inbound reply to the newest open invitation.
 */
export interface SmsInvitation {
  id: number;
  serviceId: number;
  mobileHash: string;
  sentAt: number;
  /** The rating the reply (or the link) produced; null while the invitation is open. */
  ratingId: number | null;
  /** The gateway's id of the answering message: a repeated delivery of it is answered the same. */
  answeredMessageId: string | null;
  answeredAt: number | null;
}

export const SmsInvitationSchema = new EntitySchema<SmsInvitation>({
  name: 'SmsInvitation',
  tableName: 'sms_invitation',
  indexes: [{ properties: ['mobileHash', 'sentAt'] }],
  properties: {
    id: pk,
    serviceId: { ...int, unique: true },
    mobileHash: str(40),
    sentAt: millis,
    ratingId: optInt,
    answeredMessageId: { ...optStr(100), index: true },
    answeredAt: optMillis,
  },
});

export const smsEntities = [SmsInvitationSchema];
