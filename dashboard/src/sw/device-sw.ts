// The device pages' service worker (/window/…, /terminal/…): the page loads from the cache when the
// hall's network or the server is down, so the device keeps working as a kiosk and its outbox keeps
// the answers until the server is back. Built as /sw.js; never touches /graphql.
import { cacheable, stale, strategyFor, type Precache, type Strategy } from './sw.logic.js';

interface SwEvent extends Event {
  waitUntil(work: Promise<unknown>): void;
}
interface SwFetchEvent extends SwEvent {
  readonly request: Request;
  respondWith(response: Promise<Response>): void;
}
interface SwScope {
  readonly location: Location;
  readonly clients: { claim(): Promise<void> };
  skipWaiting(): Promise<void>;
  addEventListener(type: 'install' | 'activate', listener: (event: SwEvent) => void): void;
  addEventListener(type: 'fetch', listener: (event: SwFetchEvent) => void): void;
}

const sw = self as unknown as SwScope;
// Replaced by the build with this build's file list (see dashboard/vite.config.ts).
const PRECACHE = JSON.parse('__HCP_PRECACHE__') as Precache;
const SHELL = `hcp-shell-${PRECACHE.version}`;
const ASSETS = 'hcp-assets';
const SHELL_URL = '/index.html';
/** A navigation that has not answered in this time is served from the cache (a hung network is as down as a dead one). */
const NAVIGATION_TIMEOUT_MS = 4_000;

sw.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(SHELL)
      .then((cache) => cache.addAll([SHELL_URL, ...PRECACHE.shell]))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith('hcp-shell-') && name !== SHELL) await caches.delete(name);
      const assets = await caches.open(ASSETS);
      const cached = (await assets.keys()).map((r) => new URL(r.url).pathname);
      for (const path of stale(cached, PRECACHE)) await assets.delete(path);
      await sw.clients.claim();
      // Best effort: a font subset that fails now is cached the first time a page uses it.
      await Promise.allSettled(PRECACHE.fonts.map(async (path) => (await assets.match(path)) ?? assets.add(path)));
    })(),
  );
});

sw.addEventListener('fetch', (event) => {
  const strategy = strategyFor(event.request, sw.location.origin);
  if (strategy === 'shell') event.respondWith(page(event.request));
  else if (strategy === 'asset') event.respondWith(asset(event.request, strategy));
});

async function page(request: Request): Promise<Response> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), NAVIGATION_TIMEOUT_MS);
  try {
    const response = await fetch(request, { signal: abort.signal });
    // The newest page of this build is the one to fall back to next time.
    if (cacheable(response, 'shell')) await (await caches.open(SHELL)).put(SHELL_URL, response.clone());
    return response;
  } catch (err) {
    const cached = await caches.match(SHELL_URL);
    if (cached) return cached;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

async function asset(request: Request, strategy: Strategy): Promise<Response> {
  const cached = await caches.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (cacheable(response, strategy)) await (await caches.open(ASSETS)).put(request, response.clone());
  return response;
}
