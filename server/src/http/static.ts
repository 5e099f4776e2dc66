import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGzip } from 'node:zlib';

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

/**
 * Serves the built dashboard; unknown paths get index.html so the client router can handle them (the
 * widget's paths get widget.html, when the build has it),
 * except under /assets/: a build file that is not there is a 404, never a page that a script tag or
 * the device service worker would take for the file. `/sw.js` (the device pages' service worker) is
 * JavaScript at the root, so its scope may cover /window/ and /terminal/ without a Service-Worker-Allowed header.
 */
export function staticHandler(root: string): ((req: IncomingMessage, res: ServerResponse) => void) | null {
  const base = resolve(root);
  const index = join(base, 'index.html');
  if (!existsSync(index)) return null;
  const widget = existsSync(join(base, 'widget.html')) ? join(base, 'widget.html') : index;
  return (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = normalize(join(base, path));
    const found = file.startsWith(base) && existsSync(file) && statSync(file).isFile();
    if (!found && path.startsWith('/assets/')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
      res.end('not found');
      return;
    }
    const target = found ? file : WIDGET_PAGE.test(path) ? widget : index;
    const hashed = target.includes(`${join(base, 'assets')}`);
    const type = TYPES[extname(target)] ?? 'application/octet-stream';
    // Text compresses well; fonts and images are compressed already.
    const gzip = /text|javascript|json|svg/.test(type) && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.writeHead(200, {
      'content-type': type,
      // Vite puts a content hash in asset names, so they can be cached for good; pages and sw.js never.
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    const stream = createReadStream(target);
    (gzip ? stream.pipe(createGzip()) : stream).pipe(res);
  };
}
