import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticHandler } from '../../../server/src/http/static.js';

/** The built dashboard as the server finds it: pages, hashed assets, a service worker, a font. */
let dir: string;
let server: Server;
let base: string;

const SCRIPT = `export const figures = ${JSON.stringify(Array.from({ length: 2000 }, (_, i) => ({ i, label: `好评率 ${i}` })))};\n`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hcp-static-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>大屏</title>');
  writeFileSync(join(dir, 'widget.html'), '<!doctype html><title>小组件</title>');
  writeFileSync(join(dir, 'sw.js'), 'self.addEventListener("fetch", () => {});');
  writeFileSync(join(dir, 'assets', 'screen-Ab12Cd.js'), SCRIPT);
  writeFileSync(join(dir, 'assets', 'font-Ef34.woff2'), Buffer.from([0x77, 0x4f, 0x46, 0x32, 1, 2, 3]));
  const handle = staticHandler(dir)!;
  server = createServer(handle);
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  rmSync(dir, { recursive: true, force: true });
});

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as sent on the wire (still gzipped when content-encoding says so). */
  wire: Buffer;
  /** The body as a browser reads it. */
  text: string;
}

/** A raw GET (fetch would decompress silently, hiding what was sent). */
function get(path: string, acceptGzip = true): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers: acceptGzip ? { 'accept-encoding': 'gzip, deflate, br' } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const wire = Buffer.concat(chunks);
        const plain = res.headers['content-encoding'] === 'gzip' ? gunzipSync(wire) : wire;
        resolve({ status: res.statusCode!, headers: res.headers, wire, text: plain.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the built dashboard as served (P8: every cold page load asks for the same files)', () => {
  it('sends a hashed script gzipped to browsers that take gzip, the same bytes on every load, cached for good', async () => {
    const first = await get('/assets/screen-Ab12Cd.js');
    const again = await get('/assets/screen-Ab12Cd.js');
    expect(first.status).toBe(200);
    expect(first.headers['content-encoding']).toBe('gzip');
    expect(first.text).toBe(SCRIPT);
    expect(first.wire.length).toBeLessThan(SCRIPT.length / 3);
    expect(Number(first.headers['content-length'])).toBe(first.wire.length);
    expect(again.wire.equals(first.wire)).toBe(true);
    expect(first.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(first.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(first.headers.vary).toBe('accept-encoding');
  });

  it('sends plain bytes to a client that does not take gzip, and fonts as they are', async () => {
    const plain = await get('/assets/screen-Ab12Cd.js', false);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text).toBe(SCRIPT);
    const font = await get('/assets/font-Ef34.woff2');
    expect(font.headers['content-encoding']).toBeUndefined();
    expect(font.headers['content-type']).toBe('font/woff2');
    expect([...font.wire]).toEqual([0x77, 0x4f, 0x46, 0x32, 1, 2, 3]);
  });

  it('answers a missing build file with 404, other paths with the page (the widget paths with the widget page), never a file outside the build', async () => {
    const missing = await get('/assets/screen-Old999.js');
    expect(missing.status).toBe(404);
    expect(missing.headers['cache-control']).toBe('no-cache');
    const page = await get('/screen');
    expect(page.text).toContain('大屏');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect((await get('/widget/bulletin')).text).toContain('小组件');
    expect((await get('/sw.js')).headers['cache-control']).toBe('no-cache');
    const outside = await get('/../../../../etc/passwd');
    expect(outside.text).toContain('大屏');
    expect((await get('/%2e%2e/%2e%2e/etc/hostname')).text).toContain('大屏');
  });

  it('serves a rebuilt page without a restart (the file on disk changed since it was kept)', async () => {
    expect((await get('/')).text).toContain('大屏');
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>新版大屏 v2</title>');
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(dir, 'index.html'), later, later);
    const rebuilt = await get('/screen');
    expect(rebuilt.text).toContain('新版大屏 v2');
    expect((await get('/', false)).text).toContain('新版大屏 v2');
  });
});
