import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/errors.js';
import { log } from '../common/logger.js';
import { actorFromCredentials } from '../auth/auth.service.js';
import { EXPORT_KINDS, exportSource, parseExportFilter, type ExportKind, type ExportSource } from '../exchange/export.service.js';
import { auditExport, CONTENT_TYPES, EXPORT_FORMATS, exportFileName, writeExport, type ExportFormat } from '../exchange/export.writer.js';
import type { FeatureDeps } from '../graphql/deps.js';
import { formatError } from '../graphql/format-error.js';

/**
 * `GET /export/<ratings|rectifications|quality-findings>.<csv|xlsx|json>?departmentId=&regionCode=&from=&to=`
 * with `Authorization: Bearer <session token>`: an attachment streamed from the database a page at a
 * time. Errors before the first byte as `{ errors: [{ message, extensions: { code } }] }` with 400, 401,
 * 403 or 404.
 */
const PATH = /^\/export\/([a-z-]+)\.([a-z]+)$/;

const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, TOKEN_EXPIRED: 401, FORBIDDEN: 403, BAD_USER_INPUT: 400, NOT_FOUND: 404 };

export async function exportRequest(app: FeatureDeps, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const match = PATH.exec(url.pathname);
  const kind = match?.[1] as ExportKind | undefined;
  const format = match?.[2] as ExportFormat | undefined;
  if (!kind || !format || !EXPORT_KINDS.includes(kind) || !EXPORT_FORMATS.includes(format)) {
    return sendError(res, 404, 'NOT_FOUND', `no such export; use GET /export/{${EXPORT_KINDS.join(',')}}.{${EXPORT_FORMATS.join(',')}}`);
  }
  if (req.method !== 'GET') {
    res.setHeader('allow', 'GET');
    return sendError(res, 405, 'METHOD_NOT_ALLOWED', 'use GET');
  }
  let actor: Actor;
  let source: ExportSource;
  const filterOrError = (() => {
    try {
      return parseExportFilter((name) => url.searchParams.get(name));
    } catch (err) {
      return err as Error;
    }
  })();
  try {
    const found = await actorFromCredentials(app, req.headers.authorization, null);
    actor = { ...found, ip: req.socket.remoteAddress ?? 'unknown', requestId: randomUUID() };
    if (filterOrError instanceof Error) throw filterOrError;
    source = await exportSource(app, actor, kind, filterOrError);
  } catch (err) {
    const formatted = formatError({ message: 'export refused' }, err);
    const code = String(formatted.extensions?.code ?? 'INTERNAL_SERVER_ERROR');
    return sendError(res, STATUS[code] ?? (err instanceof DomainError ? 400 : 500), code, formatted.message);
  }
  const filter = filterOrError as Exclude<typeof filterOrError, Error>;
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[format],
    'content-disposition': `attachment; filename="${exportFileName(kind, format, filter)}"`,
    'cache-control': 'no-store',
    'x-request-id': actor.requestId!,
  });
  let rows = 0;
  try {
    rows = await writeExport(source, format, filter, res);
    // Audited before the download completes: an export whose audit record cannot be written is cut off.
    await auditExport(app, actor, source, format, filter, rows, 'ok');
    res.end();
  } catch (err) {
    // Headers are sent: the best we can do is cut the response (the client sees a broken download) and audit the failure.
    log.error('export failed', { kind, format, error: err instanceof Error ? err.message : String(err) });
    res.destroy();
    await auditExport(app, actor, source, format, filter, rows, 'failed').catch(() => undefined);
  }
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
}
