import { EntitySchema } from '@mikro-orm/core';
import { millis, optMillis, optStr, pk, str, text } from '../common/columns.js';

/**
 * A bulletin (通报) of a region for a period (month YYYY-MM or quarter YYYY-Qn). `content` is the
 * assembled BulletinContent as JSON (bulletin.logic.ts), free of personal data. A DRAFT is replaced
 * when generated again; once APPROVED it is public and never regenerated.
 */
export interface Bulletin {
  id: number;
  regionCode: string;
  period: string;
  status: 'DRAFT' | 'APPROVED';
  content: string;
  generatedAt: number;
  generatedBy: string;
  approvedBy: string | null;
  approvedAt: number | null;
}
export const BulletinSchema = new EntitySchema<Bulletin>({
  name: 'Bulletin',
  tableName: 'bulletin',
  uniques: [{ properties: ['regionCode', 'period'] }],
  properties: {
    id: pk,
    regionCode: str(12),
    period: str(7),
    status: str(10),
    content: text,
    generatedAt: millis,
    generatedBy: str(100),
    approvedBy: optStr(100),
    approvedAt: optMillis,
  },
});

export const bulletinEntities = [BulletinSchema];
