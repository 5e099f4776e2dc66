import { EntitySchema } from '@mikro-orm/core';
import { millis, optInt, optStr, pk, str } from '../common/columns.js';

/**
 * R25 数据质检: one thing a department system sent that disagrees with the catalog or with itself.
 * Kept whether the record was accepted (with the catalog's values) or refused (`refused`: the
 * refusal's own code). `departmentId` is the department the record names when the catalog knows it,
 * else the sender's; null only for an admin's record naming no known department.
 */
export interface QualityFinding {
  id: number;
  kind: string;
  departmentId: number | null;
  /** 办件编号#服务序号 of the record (or the rated service's). */
  recordKey: string;
  field: string;
  givenValue: string | null;
  expected: string | null;
  message: string;
  /** The error code the record was refused with, or null when it was accepted. */
  refused: string | null;
  /** `service` (a service record) or `rating`. */
  source: string;
  /** The sender, as audit labels it (`apikey:3`). */
  sender: string;
  at: number;
}
export const QualityFindingSchema = new EntitySchema<QualityFinding>({
  name: 'QualityFinding',
  tableName: 'quality_finding',
  indexes: [{ properties: ['departmentId', 'at'] }, { properties: ['kind', 'at'] }],
  properties: {
    id: pk,
    kind: str(40),
    departmentId: optInt,
    recordKey: str(80),
    field: str(40),
    givenValue: optStr(200),
    expected: optStr(200),
    message: str(500),
    refused: optStr(40),
    source: str(20),
    sender: str(100),
    at: millis,
  },
});

export const qualityEntities = [QualityFindingSchema];
