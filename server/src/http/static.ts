import { createReadStream, existsSync, statSync, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { constants, createGzip, gzip } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** The portal widget's pages, which have their own lean entry (dashboard/widget.html: no router, no other page's code). */
const WIDGET_PAGE = /^\/widget(\/|$)/;
/** Files up to this size are kept in memory (with their gzip); larger ones are streamed from disk each time. */
const CACHED_MAX_BYTES = 2 * 1024 * 1024;
const gzipAsync = promisify(gzip);

/** A build file as sent: its bytes and, for text, its gzip, made once per version of the file on disk. */
interface Body {
  mtimeMs: number;
  size: number;
  raw: Buffer;
  gzip: Buffer | null;
}

/**
 * Serves the built dashboard; unknown paths get index.html so the client router can handle them (the
 * widget's paths get widget.html, when the build has it),
 * except under /assets/: a build file that is not there is a 404, never a page that a script tag or
 * the device service worker would take for the file. `/sw.js` (the device pages' service worker) is
 * JavaScript at the root, so its scope may cover /window/ and /terminal/ without a Service-Worker-Allowed header.
 *
 * Every cold page load asks for the same dozen files; compressing them on each request cost the big
 * screen's first figures tens of milliseconds of server CPU per load (P8). Each file is read and
 * gzipped once (at the highest level, since it is done once) and kept while its size and mtime stay
 * the same, so a rebuilt dashboard is served without a restart.
 */
export function staticHandler(root: string): ((req: IncomingMessage, res: ServerResponse) => void) | null {
  const base = resolve(root);
  const index = join(base, 'index.html');
  if (!existsSync(index)) return null;
  const widget = existsSync(join(base, 'widget.html')) ? join(base, 'widget.html') : index;
  const assets = join(base, 'assets') + sep;
  const bodies = new Map<string, Promise<Body>>();
  return (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(base, path));
    const stat = file.startsWith(base) ? statOf(file) : null;
    if (!stat && path.startsWith('/assets/')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
      res.end('not found');
      return;
    }
    const target = stat ? file : WIDGET_PAGE.test(path) ? widget : index;
    const type = TYPES[extname(target)] ?? 'application/octet-stream';
    // Text compresses well; fonts and images are compressed already.
    const compressible = /text|javascript|json|svg/.test(type);
    const headers = {
      'content-type': type,
      // Vite puts a content hash in asset names, so they can be cached for good; pages and sw.js never.
      'cache-control': target.startsWith(assets) ? 'public, max-age=31536000, immutable' : 'no-cache',
      vary: 'accept-encoding',
    };
    const gzipped = compressible && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const current = stat ?? statOf(target);
    if (!current || current.size > CACHED_MAX_BYTES) return stream(res, target, headers, gzipped);
    bodyOf(bodies, target, current, compressible).then(
      (body) => send(res, headers, gzipped && body.gzip ? body.gzip : body.raw, gzipped && body.gzip !== null),
      () => stream(res, target, headers, gzipped),
    );
  };
}

function statOf(file: string): Stats | null {
  try {
    const stat = statSync(file);
    return stat.isFile() ? stat : null;
  } catch {
    return null;
  }
}

/** The kept body of a file, read (and gzipped) again when the file on disk changed. */
function bodyOf(bodies: Map<string, Promise<Body>>, file: string, stat: Stats, compressible: boolean): Promise<Body> {
  const kept = bodies.get(file);
  if (kept) {
    return kept.then((body) => (body.mtimeMs === stat.mtimeMs && body.size === stat.size ? body : reload(bodies, file, stat, compressible)));
  }
  return reload(bodies, file, stat, compressible);
}

function reload(bodies: Map<string, Promise<Body>>, file: string, stat: Stats, compressible: boolean): Promise<Body> {
  const loading = readBody(file, stat, compressible);
  bodies.set(file, loading);
  loading.catch(() => bodies.delete(file));
  return loading;
}

async function readBody(file: string, stat: Stats, compressible: boolean): Promise<Body> {
  const raw = await readFile(file);
  const gzip = compressible ? await gzipAsync(raw, { level: constants.Z_BEST_COMPRESSION }) : null;
  return { mtimeMs: stat.mtimeMs, size: stat.size, raw, gzip };
}

function send(res: ServerResponse, headers: Record<string, string>, bytes: Buffer, gzipped: boolean): void {
  res.writeHead(200, { ...headers, 'content-length': String(bytes.length), ...(gzipped ? { 'content-encoding': 'gzip' } : {}) });
  res.end(bytes);
}

function stream(res: ServerResponse, file: string, headers: Record<string, string>, gzipped: boolean): void {
  res.writeHead(200, { ...headers, ...(gzipped ? { 'content-encoding': 'gzip' } : {}) });
  const source = createReadStream(file);
  (gzipped ? source.pipe(createGzip()) : source).pipe(res);
}
