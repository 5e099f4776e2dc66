import { EntitySchema } from '@mikro-orm/core';
import { millis, optInt, optMillis, optStr, pk, str } from '../common/columns.js';

export type ScreenTokenKind = 'SCREEN' | 'EMBED';

/**
 * A read-only token for a hall big screen or a portal widget. The token itself never expires (a kiosk
 * runs for months); this row is what makes it revocable: a token whose jti is missing or revoked here
 * is refused by the auth layer.
 */
export interface ScreenToken {
  id: number;
  jti: string;
  kind: ScreenTokenKind;
  label: string;
  regionCode: string | null;
  departmentId: number | null;
  issuedBy: string;
  createdAt: number;
  revokedAt: number | null;
}
export const ScreenTokenSchema = new EntitySchema<ScreenToken>({
  name: 'ScreenToken',
  tableName: 'screen_token',
  properties: {
    id: pk,
    jti: { ...str(40), unique: true },
    kind: str(10),
    label: str(100),
    regionCode: optStr(12),
    departmentId: optInt,
    issuedBy: str(100),
    createdAt: millis,
    revokedAt: optMillis,
  },
});

export const screenEntities = [ScreenTokenSchema];
