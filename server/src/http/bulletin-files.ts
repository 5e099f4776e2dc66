import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Actor } from '../common/actor.js';
import { DomainError } from '../common/errors.js';
import { actorFromCredentials, type AuthDeps } from '../auth/auth.service.js';
import { bulletinPdf, bulletinXlsx, chromiumAvailable } from '../assessment/bulletin.export.js';
import type { BulletinContent } from '../assessment/bulletin.logic.js';
import { getBulletin, type BulletinDeps } from '../assessment/bulletin.service.js';

export const BULLETIN_FILE = /^\/bulletins\/(\d{1,9})\.(pdf|xlsx)$/;

function fail(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

/**
 * GET /bulletins/<id>.pdf | .xlsx: a stored bulletin as a file, for a signed-in supervisor of its region or
 * an admin (Authorization: Bearer <session token>), the same rule as `bulletin(id)`.
 */
export async function bulletinFileRequest(app: BulletinDeps & AuthDeps, req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
  const m = BULLETIN_FILE.exec(path);
  if (!m) return fail(res, 404, 'not found');
  if (req.method !== 'GET') {
    res.setHeader('allow', 'GET');
    return fail(res, 405, 'use GET');
  }
  let actor: Actor;
  try {
    actor = await actorFromCredentials(app, req.headers.authorization, null);
  } catch {
    return fail(res, 401, 'credentials refused');
  }
  if (actor.limited || (actor.role !== 'supervisor' && actor.role !== 'admin'))
    return fail(res, actor.role === 'public' ? 401 : 403, 'a supervisor or admin session is needed');
  try {
    const b = await getBulletin(app, actor, Number(m[1]));
    const content = JSON.parse(b.content) as BulletinContent;
    const name = encodeURIComponent(`${content.title}.${m[2]}`);
    if (m[2] === 'xlsx') {
      const body = await bulletinXlsx(content);
      res.writeHead(200, {
        'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
        'content-disposition': `attachment; filename*=UTF-8''${name}`,
        'cache-control': 'no-store',
      });
      return void res.end(body);
    }
    if (!chromiumAvailable(app.config.chromiumPath)) return fail(res, 503, 'no Chromium on the server (CHROMIUM_PATH): the PDF cannot be printed');
    const body = await bulletinPdf(app.config.chromiumPath, content, b.status);
    res.writeHead(200, { 'content-type': 'application/pdf', 'content-disposition': `attachment; filename*=UTF-8''${name}`, 'cache-control': 'no-store' });
    res.end(body);
  } catch (err) {
    if (err instanceof DomainError) return fail(res, err.code === 'NOT_FOUND' ? 404 : err.code === 'FORBIDDEN' ? 403 : 400, err.message);
    app.logger.error('bulletin file failed', { error: String(err) });
    fail(res, 500, 'internal error');
  }
}
