import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Actor } from '../common/actor.js';
import { readRecord } from '../common/record-value.js';
import { BatchTooLargeError, DomainError, InvalidInputError } from '../common/errors.js';
import { actorFromCredentials } from '../auth/auth.service.js';
import { registerServices } from '../case/case.service.js';
import { answerBatch } from '../case/case.view.js';
import { serviceRecordInput } from '../case/service-record.logic.js';
import type { BatchRecordResult } from '../case/case.types.js';
import { CHANNELS, type Channel } from '../catalog/channel.logic.js';
import { BATCH_MAX } from '../db/batch.js';
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
  return answerBatch(
    records,
    (record) => serviceRecordInput(record, { lenient: true }),
    (inputs) => registerServices(app, actor, inputs),
    (r) => r.service.id,
    'records',
  );
}

async function evaluations(app: FeatureDeps, actor: Actor, records: unknown[]): Promise<BatchRecordResult[]> {
  const channels = channelByPf(app.channelCodes);
  return answerBatch(
    records,
    (record) => evaluationInput(record, channels),
    (inputs) => submitEvaluations(app, actor, inputs),
    (r) => r.rating.id,
    'records',
  );
}

/**
 * An evaluation record in the interface's field names: `satisfaction` 1–5 (5 = 非常满意), `pf` the
 * channel code (PF_CODES), `evalDetail` tag codes (comma-separated or an array), `writingEvaluation`
 * the comment, `assessNumber` 1 first / 2 follow-up; `assessTime` is not taken (the server's clock
 * is the time of a rating). Ours beside them: `submissionId`, `externalId`, `raterName`, `raterMobile`.
 * Numbers may come as digit strings (lenient, like the services).
 */
function evaluationInput(record: Record<string, unknown>, channels: ReadonlyMap<number, Channel>): BatchEvaluationInput {
  const r = readRecord(record, { lenient: true });
  const pf = r.int('pf');
  const channel = pf === null ? null : channels.get(pf);
  if (channel === undefined) throw InvalidInputError.field('pf', `a channel code of this platform (${[...channels.keys()].join(', ')})`, record.pf);
  return {
    projectNo: r.text('projectNo', true),
    serviceNumber: r.int('serviceNumber', true),
    assessNumber: r.int('assessNumber') ?? 1,
    level: r.int('satisfaction', true)!,
    tags: r.codes('evalDetail'),
    comment: r.text('writingEvaluation'),
    channel,
    raterName: r.text('raterName'),
    raterMobile: r.text('raterMobile'),
    submissionId: r.text('submissionId'),
    externalId: r.text('externalId'),
  };
}

/** pf → channel: the first channel (in CHANNELS order) with that code; DEFAULT is never sent in. */
function channelByPf(codes: Readonly<Record<Channel, number>>): Map<number, Channel> {
  const byCode = new Map<number, Channel>();
  for (const channel of CHANNELS) if (channel !== 'DEFAULT' && !byCode.has(codes[channel])) byCode.set(codes[channel], channel);
  return byCode;
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
