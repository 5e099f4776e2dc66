import { EntitySchema } from '@mikro-orm/core';
import { int, millis, optInt, optMillis, optStr, optText, pk, str, text } from '../common/columns.js';

/**
 * R18: a suspicion found by a detector (刷好评 and the like). It explains itself (`explanation`, in
 * Chinese, and `detail`, machine fields as JSON), lists the ratings it flags, and waits for a supervisor's
 * review: UPHELD invalidates the flagged ratings through the R18 invalidation path, DISMISSED keeps them.
 * Never deleted. `fingerprint` makes detection idempotent: the same pattern is stored once.
 */
export interface FraudSignal {
  id: number;
  kind: string;
  fingerprint: string;
  regionCode: string;
  departmentId: number | null;
  departmentPath: string | null;
  explanation: string;
  detail: string;
  /** Comma-separated ids of the flagged ratings (empty for a department outlier: nothing to invalidate). */
  ratingIds: string;
  ratingCount: number;
  firstAt: number;
  lastAt: number;
  state: string;
  reviewedBy: string | null;
  reviewedAt: number | null;
  reviewNote: string | null;
  /** How many of the flagged ratings the upholding invalidated (some may have been invalid already). */
  invalidatedCount: number | null;
  createdAt: number;
}
export const FraudSignalSchema = new EntitySchema<FraudSignal>({
  name: 'FraudSignal',
  tableName: 'fraud_signal',
  indexes: [{ properties: ['state', 'regionCode'] }],
  properties: {
    id: pk,
    kind: str(24),
    fingerprint: { ...str(200), unique: true },
    regionCode: str(12),
    departmentId: optInt,
    departmentPath: optStr(200),
    explanation: str(500),
    detail: text,
    ratingIds: text,
    ratingCount: int,
    firstAt: millis,
    lastAt: millis,
    state: str(12),
    reviewedBy: optStr(100),
    reviewedAt: optMillis,
    reviewNote: optStr(500),
    invalidatedCount: optInt,
    createdAt: millis,
  },
});

/**
 * 社情民意: a comment theme a supervisor has confirmed for a region; only confirmed themes are shown
 * publicly as hot tags. Candidate themes are computed on demand from the (masked) comments.
 */
export interface CommentTheme {
  id: number;
  term: string;
  regionCode: string;
  confirmedBy: string;
  confirmedAt: number;
  note: string | null;
}
export const CommentThemeSchema = new EntitySchema<CommentTheme>({
  name: 'CommentTheme',
  tableName: 'comment_theme',
  uniques: [{ properties: ['regionCode', 'term'] }],
  properties: {
    id: pk,
    term: str(40),
    regionCode: str(12),
    confirmedBy: str(100),
    confirmedAt: millis,
    note: optText,
  },
});

export const integrityEntities = [FraudSignalSchema, CommentThemeSchema];
