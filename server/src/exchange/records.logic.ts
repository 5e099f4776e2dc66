import { shanghaiDateTime } from '../common/calendar.js';

/**
 * The records sent to the provincial platform (R17, R26), in the interface record's field names and codes
 * (docs/exchange.md): `satisfaction` 5 = 非常满意, `pf` from the PF_CODES table stored with the rating,
 * times as Asia/Shanghai `yyyy-MM-dd HH:mm:ss`. Pure: no ORM, no I/O.
 */

/** Outbox topics of the provincial platform; `rectification.record` is written by the rectification feature. */
export const PROVINCE_TOPICS = { service: 'exchange.service', evaluation: 'exchange.evaluation', rectification: 'rectification.record' } as const;
export type ProvinceRecordType = keyof typeof PROVINCE_TOPICS;

export function recordTypeOf(topic: string): ProvinceRecordType | null {
  for (const [type, t] of Object.entries(PROVINCE_TOPICS)) if (t === topic) return type as ProvinceRecordType;
  return null;
}

/** A personal value inside a stored payload: sealed (AES-256-GCM, R12), opened only by the deliverer. */
export interface Sealed {
  $sealed: string;
}

export function isSealed(value: unknown): value is Sealed {
  return typeof value === 'object' && value !== null && typeof (value as Sealed).$sealed === 'string' && Object.keys(value).length === 1;
}

/** Replaces every sealed value of a payload by its plain text (the deliverer's last step before sending). */
export function openSealed(value: unknown, open: (sealed: string) => string): unknown {
  if (isSealed(value)) return open(value.$sealed);
  if (Array.isArray(value)) return value.map((v) => openSealed(v, open));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, openSealed(v, open)]));
  }
  return value;
}

const time = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : shanghaiDateTime(ms));

export interface ServiceFacts {
  projectNo: string;
  serviceNumber: number;
  serviceName: string;
  taskCode: string;
  taskHandleItem: string;
  taskName: string;
  taskType: string;
  deptCode: string;
  deptName: string;
  areaCode: string;
  proStatus: number;
  acceptedAt: number | null;
  completedAt: number | null;
  userProp: number;
  proChannel: number;
  /** Already sealed by the caller (R12). */
  userName: Sealed;
  certKey: Sealed | null;
  mobile: Sealed | null;
}

/** The service record (办件): the province refuses an evaluation whose service record it lacks. */
export function serviceRecord(f: ServiceFacts): Record<string, unknown> {
  return {
    projectNo: f.projectNo,
    serviceNumber: f.serviceNumber,
    serviceName: f.serviceName,
    taskCode: f.taskCode,
    taskHandleItem: f.taskHandleItem,
    taskName: f.taskName,
    taskType: f.taskType,
    deptCode: f.deptCode,
    deptName: f.deptName,
    proDepart: f.deptName,
    areaCode: f.areaCode,
    proStatus: f.proStatus,
    acceptDate: time(f.acceptedAt),
    resultDate: time(f.completedAt),
    userProp: f.userProp,
    userName: f.userName,
    certKey: f.certKey,
    mobile: f.mobile,
    proChannel: f.proChannel,
  };
}

export interface EvaluationFacts {
  ratingId: number;
  projectNo: string;
  serviceNumber: number;
  assessNumber: number;
  pf: number;
  level: number;
  tags: string;
  /** The stored comment (numbers and addresses already masked, R12). */
  comment: string | null;
  ratedAt: number;
  isDefault: boolean;
  valid: boolean;
  invalidReason: string | null;
}

/** The evaluation record: first rating (assessNumber 1), follow-up (2) or default (isdefault "1"). */
export function evaluationRecord(f: EvaluationFacts): Record<string, unknown> {
  return {
    evaluationId: f.ratingId,
    projectNo: f.projectNo,
    serviceNumber: f.serviceNumber,
    assessNumber: f.assessNumber,
    pf: f.pf,
    satisfaction: f.level,
    evalDetail: f.tags,
    writingEvaluation: f.comment ?? '',
    assessTime: shanghaiDateTime(f.ratedAt),
    isdefault: f.isDefault ? '1' : '0',
    effectivEvalua: f.valid ? '1' : '0',
    invalidReason: f.valid ? null : f.invalidReason,
  };
}

/** Idempotency keys: stable per record, the receiver's `Idempotency-Key`. */
export const recordKeys = {
  service: (serviceId: number, proStatus: number) => `svc:${serviceId}:${proStatus}`,
  evaluation: (ratingId: number) => `eval:${ratingId}`,
  invalidation: (ratingId: number) => `eval:${ratingId}:invalid`,
};

/** Service and evaluation records are ordered per case (办件): a service record reaches the province before its ratings. */
export const CASE_AGGREGATE = 'case';

/** What the province's answer means for the record. */
export type ProvinceVerdict = { kind: 'acknowledged'; duplicate: boolean } | { kind: 'retry'; error: string; refusal: boolean };

const NO_SERVICE = '没有对应的服务数据';
const DUPLICATE = '评价数据不可重复';

/** The message of an answer body: JSON `msg`/`message`/`errMsg`/… or the text itself. */
export function answerMessage(body: string): string {
  try {
    const json = JSON.parse(body) as Record<string, unknown>;
    if (json && typeof json === 'object') {
      for (const key of ['msg', 'message', 'errMsg', 'errmsg', 'resultMsg', 'error']) {
        if (typeof json[key] === 'string') return json[key] as string;
      }
    }
  } catch {
    // not JSON: the body is the message
  }
  return body;
}

/** Statuses that say "try later", not "this record is wrong": they never make a record poison. */
export function isTransientStatus(status: number): boolean {
  return status === 408 || status === 425 || status === 429 || status === 502 || status === 503 || status === 504;
}

/**
 * Reads the province's answer: 2xx acknowledges; 评价数据不可重复 means it already has the evaluation
 * (an earlier attempt landed): delivered; 没有对应的服务数据 means its service record has not arrived
 * yet: retried later (not a refusal); anything else is retried, and counts toward poison when the
 * other side refused the record itself.
 */
export function verdictOf(status: number, body: string): ProvinceVerdict {
  const message = answerMessage(body);
  if (message.includes(DUPLICATE)) return { kind: 'acknowledged', duplicate: true };
  if (message.includes(NO_SERVICE)) return { kind: 'retry', error: `HTTP ${status}: ${NO_SERVICE} (retried after the service record)`, refusal: false };
  if (status >= 200 && status < 300) return { kind: 'acknowledged', duplicate: false };
  return { kind: 'retry', error: `HTTP ${status}: ${message.slice(0, 300) || 'refused'}`, refusal: !isTransientStatus(status) };
}
