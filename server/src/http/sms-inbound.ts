import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import QRCode from 'qrcode';
import { DomainError } from '../common/errors.js';
import { openSmsLink, takeSmsReply, type SmsDeps } from '../exchange/sms.service.js';

/**
 * R5: the SMS gateway's side of rating by SMS.
 * - `POST /sms/inbound`: a reply `{ from, text, receivedAt?, id? }`, signed with HMAC-SHA256 of the raw
 *   body under SMS_INBOUND_SECRET in `X-Signature` (hex, optionally `sha256=`); 401 without or with a
 *   wrong signature, 404 while the setting is unset. Answers 200 `{ accepted, ratingId }` or
 *   `{ accepted: false, code, message }` (nothing to retry). `id` (or `X-Message-Id`) makes it idempotent.
 * - `GET /r/<code>`: the invitation's short link, 302 to the rating page with a fresh rating token.
 * - `GET /qr/<token>.svg`: the receipt QR code (R7) of a rating token as an SVG image.
 */
export async function smsRequest(app: SmsDeps, req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  if (path === '/sms/inbound') {
    await inbound(app, req, res);
    return true;
  }
  const link = /^\/r\/([0-9a-z]{11,20})$/.exec(path);
  if (link && (req.method === 'GET' || req.method === 'HEAD')) {
    const location = await openSmsLink(app, link[1]!);
    if (!location) sendText(res, 404, 'this link is not known');
    else {
      res.writeHead(302, { location, 'cache-control': 'no-store' });
      res.end();
    }
    return true;
  }
  const qr = /^\/qr\/([A-Za-z0-9_.-]{20,2000})\.svg$/.exec(path);
  if (qr && (req.method === 'GET' || req.method === 'HEAD')) {
    await qrCode(app, req, res, qr[1]!);
    return true;
  }
  return false;
}

const BODY_LIMIT = 16 * 1024;

async function inbound(app: SmsDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const secret = app.config.smsInboundSecret;
  if (!secret) return sendText(res, 404, 'not found (set SMS_INBOUND_SECRET to take SMS replies)');
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return sendJson(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'use POST' } });
  }
  let raw: Buffer;
  try {
    raw = await readRaw(req, BODY_LIMIT);
  } catch {
    res.setHeader('connection', 'close');
    return sendJson(res, 413, { error: { code: 'PAYLOAD_TOO_LARGE', message: `at most ${BODY_LIMIT} bytes` } });
  }
  if (!signatureMatches(secret, raw, header(req, 'x-signature'))) {
    return sendJson(res, 401, { error: { code: 'UNAUTHENTICATED', message: 'X-Signature must be the HMAC-SHA256 (hex) of the raw body' } });
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
  } catch {
    return sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: 'the body must be a JSON object { from, text, receivedAt, id }' } });
  }
  const { from, text } = body;
  if (typeof from !== 'string' || typeof text !== 'string' || from.length > 40 || text.length > 2000) {
    return sendJson(res, 400, { error: { code: 'BAD_REQUEST', message: '`from` and `text` must be strings' } });
  }
  const givenId = body.id ?? body.messageId ?? header(req, 'x-message-id');
  const messageId = typeof givenId === 'string' || typeof givenId === 'number' ? String(givenId).slice(0, 100) : null;
  try {
    sendJson(res, 200, await takeSmsReply(app, { from, text, messageId }));
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    sendJson(res, 200, { accepted: false, code: err.code, message: err.message });
  }
}

function signatureMatches(secret: string, raw: Buffer, given: string | undefined): boolean {
  if (!given) return false;
  const hex = given.trim().replace(/^sha256=/i, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) return false;
  const expected = createHmac('sha256', secret).update(raw).digest();
  return timingSafeEqual(expected, Buffer.from(hex, 'hex'));
}

async function qrCode(app: SmsDeps, req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
  try {
    await app.tokens.verify(token, 'rating');
  } catch (err) {
    if (err instanceof DomainError) return sendText(res, 404, 'not a valid rating token');
    throw err;
  }
  const proto = header(req, 'x-forwarded-proto') === 'https' || 'encrypted' in req.socket ? 'https' : 'http';
  const host = /^[A-Za-z0-9.:[\]-]{1,200}$/.test(req.headers.host ?? '') ? req.headers.host : 'localhost';
  const base = app.config.publicBaseUrl ?? `${proto}://${host}`;
  const svg = await QRCode.toString(`${base}/rate?t=${encodeURIComponent(token)}`, { type: 'svg', margin: 2 });
  res.writeHead(200, { 'content-type': 'image/svg+xml; charset=utf-8', 'cache-control': 'private, max-age=300' });
  res.end(req.method === 'HEAD' ? undefined : svg);
}

function readRaw(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(value));
}
