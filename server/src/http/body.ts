import type { IncomingMessage } from 'node:http';

/** The request body was larger than allowed: answered with 413, nothing of it is read further. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the request body is larger than ${limit} bytes`);
  }
}

/** The request body is not JSON: answered with 400. */
export class BadBodyError extends Error {}

/** Past this much of an oversized body the connection is cut instead of drained. */
const DRAIN_MAX = 16 * 1024 * 1024;

/**
 * Reads a JSON body of at most `limit` bytes. An oversized body is drained (up to 16 MiB) so the
 * client reads our 413 instead of a connection reset; a larger one, or one declared larger by its
 * Content-Length, is refused at once.
 */
export function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (tooLarge) {
        if (size > DRAIN_MAX) req.destroy();
        return;
      }
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) return reject(new BodyTooLargeError(limit));
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text) return resolveBody(undefined);
      try {
        resolveBody(JSON.parse(text));
      } catch {
        reject(new BadBodyError('the request body is not valid JSON'));
      }
    });
    req.on('error', reject);
    req.on('close', () => {
      if (tooLarge) reject(new BodyTooLargeError(limit));
    });
  });
}
