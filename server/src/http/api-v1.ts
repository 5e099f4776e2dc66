import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Actor } from '../common/actor.js';
import { parseShanghaiDateTime } from '../common/calendar.js';
import { BatchTooLargeError, DomainError, InvalidInputError } from '../common/errors.js';
import { actorFromCredentials } from '../auth/auth.service.js';
import { registerServices, type RegisterServiceInput, type UnitInput } from '../case/case.service.js';
import type { CaseKind } from '../case/case.entities.js';
import { batchRecords } from '../case/case.view.js';
import type { BatchRecordResult } from '../case/case.types.js';
import { CHANNELS, type Channel } from '../catalog/channel.logic.js';
import { BATCH_MAX, type BatchOutcome } from '../db/batch.js';
import { mapDatabaseError } from '../db/errors.js';
import { submitEvaluations, type BatchEvaluationInput } from '../rating/rating.service.js';
import type { FeatureDeps } from '../graphql/deps.js';
import { formatError } from '../graphql/format-error.js';
import { BadBodyError, BodyTooLargeError, readJsonBody } from './body.js';

/**
 * Plain HTTP for department systems that cannot speak GraphQL (R8): `POST /api/v1/services` and
 * `POST /api/v1/evaluations`, a JSON array of records in the provincial interface's field names
 * (docs/exchange.md), at most BATCH_MAX, the same API keys as GraphQL (`x-api-key: …` or
 * `Authorization: ApiKey …`). Answers a JSON array with one result per record, in order, as
 * registerServices / submitEvaluations do; errors of the whole call as `{ error: { code, message } }`.
 */
export const API_V1_ROUTES: Record<
  string,
  { roles: readonly string[]; run: (app: FeatureDeps, actor: Actor, records: unknown[]) => Promise<BatchRecordResult[]> }
> = {
  '/api/v1/services': { roles: ['system', 'admin'], run: services },
  '/api/v1/evaluations': { roles: ['system', 'device'], run: evaluations },
};

export async function apiV1Request(app: FeatureDeps, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const route = API_V1_ROUTES[path];
  if (!route) return sendError(res, 404, 'NOT_FOUND', `no such endpoint; use POST ${Object.keys(API_V1_ROUTES).join(' or POST ')}`);
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'use POST with a JSON array of records');
  }
  let actor: Actor;
  try {
    actor = await actorFromCredentials(app, req.headers.authorization, headerOf(req, 'x-api-key'));
  } catch (err) {
    const formatted = formatError({ message: 'credentials refused' }, err);
    return sendError(res, 401, String(formatted.extensions?.code ?? 'UNAUTHENTICATED'), formatted.message);
  }
  if (actor.role === 'public') return sendError(res, 401, 'UNAUTHENTICATED', 'an API key is needed: header x-api-key: <key> (or Authorization: ApiKey <key>)');
  if (!route.roles.includes(actor.role)) {
    return sendError(res, 403, 'FORBIDDEN', `this endpoint needs one of the roles ${route.roles.join(', ')}; the caller is ${actor.role}`);
  }
  let body: unknown;
  try {
    body = await readJsonBody(req, app.config.maxBodyBytes);
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      res.setHeader('connection', 'close');
      return sendError(res, 413, 'PAYLOAD_TOO_LARGE', `${err.message}; send the records in several calls`);
    }
    return sendError(res, 400, 'BAD_REQUEST', err instanceof BadBodyError ? err.message : 'the request body could not be read');
  }
  if (!Array.isArray(body)) return sendError(res, 400, 'BAD_REQUEST', `the body must be a JSON array of records (at most ${BATCH_MAX})`);
  try {
    sendJson(res, 200, await route.run(app, actor, body));
  } catch (err) {
    // Errors of the whole call, mapped once: a coded error keeps its code, anything else is masked.
    const mapped = mapDatabaseError(err);
    if (mapped instanceof BatchTooLargeError) return sendError(res, 413, mapped.code, mapped.message);
    const formatted = formatError({ message: 'internal error' }, mapped);
    const code = String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
    sendError(res, mapped instanceof DomainError ? 400 : 500, code, formatted.message);
  }
}

async function services(app: FeatureDeps, actor: Actor, records: unknown[]): Promise<BatchRecordResult[]> {
  return inBatch(
    records,
    serviceInput,
    (inputs) => registerServices(app, actor, inputs),
    (r) => r.service.id,
  );
}

async function evaluations(app: FeatureDeps, actor: Actor, records: unknown[]): Promise<BatchRecordResult[]> {
  const channels = channelByPf(app.channelCodes);
  return inBatch(
    records,
    (record) => evaluationInput(record, channels),
    (inputs) => submitEvaluations(app, actor, inputs),
    (r) => r.rating.id,
  );
}

/**
 * Converts every record (a record that cannot be read is refused on its own), hands the readable ones
 * to the feature's batch, and answers all of them in the order sent.
 */
async function inBatch<I, R>(
  records: unknown[],
  convert: (record: Record<string, unknown>) => I,
  run: (inputs: I[]) => Promise<BatchOutcome<R>[]>,
  idOf: (value: R) => number,
): Promise<BatchRecordResult[]> {
  if (records.length > BATCH_MAX) {
    throw new BatchTooLargeError(`at most ${BATCH_MAX} records per call; this one has ${records.length}: send them in several calls (nothing was stored)`, {
      limit: BATCH_MAX,
      received: records.length,
    });
  }
  const outcomes: BatchOutcome<R>[] = new Array(records.length);
  const readable: { index: number; input: I }[] = [];
  records.forEach((record, index) => {
    try {
      if (typeof record !== 'object' || record === null || Array.isArray(record)) throw new InvalidInputError('each record must be a JSON object');
      readable.push({ index, input: convert(record as Record<string, unknown>) });
    } catch (err) {
      const e = err instanceof DomainError ? err : new InvalidInputError('the record could not be read');
      outcomes[index] = { index, status: 'REFUSED', code: e.code, message: e.message, value: null };
    }
  });
  const done = await run(readable.map((r) => r.input));
  done.forEach((outcome) => {
    const index = readable[outcome.index]!.index;
    outcomes[index] = { ...outcome, index };
  });
  return batchRecords(outcomes, records as { projectNo?: unknown; serviceNumber?: unknown }[], idOf);
}

/** A service record (办件) in the interface's field names; numbers may come as digit strings, times as ISO 8601 or `yyyy-MM-dd HH:mm:ss` (Beijing time). */
function serviceInput(r: Record<string, unknown>): RegisterServiceInput {
  return {
    projectNo: text(r, 'projectNo', true)!,
    serviceNumber: int(r, 'serviceNumber', true)!,
    serviceName: text(r, 'serviceName', true)!,
    taskCode: text(r, 'taskCode', true)!,
    deptCode: text(r, 'deptCode', true)!,
    areaCode: text(r, 'areaCode'),
    proStatus: int(r, 'proStatus', true)!,
    acceptDate: time(r, 'acceptDate'),
    resultDate: time(r, 'resultDate'),
    caseKind: (text(r, 'caseKind') as CaseKind | null) ?? null,
    batchNo: text(r, 'batchNo'),
    units: units(r),
    userName: text(r, 'userName', true)!,
    userProp: int(r, 'userProp'),
    certKey: text(r, 'certKey'),
    mobile: text(r, 'mobile'),
    proChannel: int(r, 'proChannel', true)!,
    windowId: int(r, 'windowId'),
    terminalId: int(r, 'terminalId'),
    staffNo: text(r, 'staffNo'),
  };
}

/**
 * An evaluation record in the interface's field names: `satisfaction` 1–5 (5 = 非常满意), `pf` the
 * channel code (PF_CODES), `evalDetail` tag codes (comma-separated or an array), `writingEvaluation`
 * the comment, `assessNumber` 1 first / 2 follow-up; `assessTime` is not taken (the server's clock
 * is the time of a rating). Ours beside them: `submissionId`, `externalId`, `raterName`, `raterMobile`.
 */
function evaluationInput(r: Record<string, unknown>, channels: ReadonlyMap<number, Channel>): BatchEvaluationInput {
  const pf = int(r, 'pf');
  const channel = pf === null ? null : channels.get(pf);
  if (channel === undefined) throw InvalidInputError.field('pf', `a channel code of this platform (${[...channels.keys()].join(', ')})`, r.pf);
  const detail = r.evalDetail;
  let tags: string[] | null = null;
  if (Array.isArray(detail) && detail.every((t) => typeof t === 'string')) tags = detail as string[];
  else if (typeof detail === 'string')
    tags = detail
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean);
  else if (detail != null) throw InvalidInputError.field('evalDetail', 'tag codes, comma-separated', detail);
  return {
    projectNo: text(r, 'projectNo', true),
    serviceNumber: int(r, 'serviceNumber', true),
    assessNumber: int(r, 'assessNumber') ?? 1,
    level: int(r, 'satisfaction', true)!,
    tags,
    comment: text(r, 'writingEvaluation'),
    channel,
    raterName: text(r, 'raterName'),
    raterMobile: text(r, 'raterMobile'),
    submissionId: text(r, 'submissionId'),
    externalId: text(r, 'externalId'),
  };
}

/** pf → channel: the first channel (in CHANNELS order) with that code; DEFAULT is never sent in. */
function channelByPf(codes: Readonly<Record<Channel, number>>): Map<number, Channel> {
  const byCode = new Map<number, Channel>();
  for (const channel of CHANNELS) if (channel !== 'DEFAULT' && !byCode.has(codes[channel])) byCode.set(codes[channel], channel);
  return byCode;
}

function text(r: Record<string, unknown>, field: string, required = false): string | null {
  const value = r[field];
  if (value == null || value === '') {
    if (required) throw InvalidInputError.field(field, 'given', value ?? undefined);
    return null;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') throw InvalidInputError.field(field, 'a string', value);
  return value;
}

function int(r: Record<string, unknown>, field: string, required = false): number | null {
  const value = r[field];
  if (value == null || value === '') {
    if (required) throw InvalidInputError.field(field, 'given', value ?? undefined);
    return null;
  }
  const n = typeof value === 'string' && /^-?\d{1,9}$/.test(value.trim()) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw InvalidInputError.field(field, 'an integer', value);
  return n;
}

function time(r: Record<string, unknown>, field: string): Date | null {
  const value = text(r, field);
  if (value === null) return null;
  const ms = parseShanghaiDateTime(value) ?? (/^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN);
  if (!Number.isFinite(ms)) throw InvalidInputError.field(field, 'yyyy-MM-dd HH:mm:ss (Beijing time) or ISO 8601', value);
  return new Date(ms);
}

function units(r: Record<string, unknown>): UnitInput[] | null {
  const value = r.units;
  if (value == null) return null;
  if (!Array.isArray(value)) throw InvalidInputError.field('units', 'an array of { deptCode, taskCode }', value);
  return value.map((u: unknown) => {
    if (typeof u !== 'object' || u === null) throw InvalidInputError.field('units', 'an array of { deptCode, taskCode }', u);
    return { deptCode: text(u as Record<string, unknown>, 'deptCode', true)!, taskCode: text(u as Record<string, unknown>, 'taskCode', true)! };
  });
}

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(value));
}
