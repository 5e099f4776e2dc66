import { EntitySchema } from '@mikro-orm/core';
import { bool, int, millis, optInt, optStr, optText, pk, str } from '../common/columns.js';

/**
 * A rating (R2, R3, R9). `valid` turns false when an appeal is upheld or a review is found malicious
 * (R18); invalid ratings leave every statistic but stay for the audit trail.
 */
export interface Rating {
  id: number;
  serviceId: number;
  caseId: number;
  assessNumber: number;
  level: number;
  dimensions: string | null;
  tags: string;
  /** The comment as shown: personal data typed into it (phone, ID, card numbers, e-mail) masked (R12). */
  comment: string | null;
  /** The comment as typed, sealed, only when masking changed it (for the callback handler). */
  commentSealed: string | null;
  channel: string;
  pf: number;
  isDefault: boolean;
  valid: boolean;
  invalidReason: string | null;
  raterNameSealed: string | null;
  raterNameMasked: string | null;
  raterMobileSealed: string | null;
  raterMobileMasked: string | null;
  source: string;
  tokenId: string | null;
  actorId: number | null;
  /**
   * `<submitter>/<submissionId>`: the client's key for this answer, scoped to who sent it (`S<serviceId>`
   * for the service's rater, whatever token they hold; `K<apiKeyId>` for a device or system). A resend
   * with the same key returns this rating instead of storing another (R9). Scoped, not global: a key
   * guessed or reused by another sender can neither reveal nor claim this rating.
   */
  submissionKey: string | null;
  /**
   * `<sender>/<externalId>`: the id a department system gave this rating where it collected it (its own
   * evaluator, an import), scoped like `submissionKey` to the sending key. Unique: the same id again is
   * the same rating (R9), never a second one.
   */
  externalKey: string | null;
  /** R18: keyed hash (blind index) of the rater's mobile, never the number itself: finds bursts from one phone. */
  raterMobileHash: string | null;
  /** R18: keyed hash of the network address the rating came from (the address itself is not kept). */
  clientIpHash: string | null;
  /** R18: who issued the rating token used (`apikey:3`, the issuer's actor label); null without a token. */
  tokenIssuer: string | null;
  ratedAt: number;
}
export const RatingSchema = new EntitySchema<Rating>({
  name: 'Rating',
  tableName: 'rating',
  uniques: [{ properties: ['serviceId', 'assessNumber'] }],
  indexes: [{ properties: ['ratedAt'] }],
  properties: {
    id: pk,
    serviceId: int,
    caseId: { ...int, index: true },
    assessNumber: int,
    level: int,
    dimensions: optStr(200),
    tags: str(200),
    comment: optText,
    commentSealed: optText,
    channel: str(16),
    pf: int,
    isDefault: bool,
    valid: bool,
    invalidReason: optStr(200),
    raterNameSealed: optStr(400),
    raterNameMasked: optStr(60),
    raterMobileSealed: optStr(400),
    raterMobileMasked: optStr(30),
    source: str(16),
    tokenId: { ...optStr(64), unique: true },
    actorId: optInt,
    submissionKey: { ...optStr(100), unique: true },
    externalKey: { ...optStr(100), unique: true },
    raterMobileHash: optStr(64),
    clientIpHash: optStr(64),
    tokenIssuer: optStr(100),
    ratedAt: millis,
  },
});
