/** What the build tells the device service worker (written into sw.js by the build, see dashboard/vite.config.ts). */
export interface Precache {
  /** Changes with every build that changes a file the device needs: a new worker installs. */
  version: string;
  /** The entry and the device route's scripts and styles (`/assets/…`): cached before the worker takes over. */
  shell: string[];
  /** The font subsets: cached after, best effort (5 MB; a kiosk without a CJK font needs them offline). */
  fonts: string[];
  /** Every file of this build under /assets/: older ones are dropped from the cache. */
  assets: string[];
}

/** How the worker answers one request. */
export type Strategy = 'shell' | 'asset' | 'pass';

/**
 * Pages (navigations) come from the network, or from the cached shell when the network is down;
 * hashed build files come from the cache first; everything else, /graphql above all, is never
 * touched: answers and figures must be live, and the device's outbox handles a failed request.
 */
export function strategyFor(request: { method: string; mode: string; url: string }, origin: string): Strategy {
  if (request.method !== 'GET') return 'pass';
  const url = new URL(request.url);
  if (url.origin !== origin || url.pathname.startsWith('/graphql')) return 'pass';
  if (request.mode === 'navigate') return 'shell';
  if (url.pathname.startsWith('/assets/')) return 'asset';
  return 'pass';
}

/** Whether a network answer may go in the cache: a real file, not the HTML page served for an unknown path. */
export function cacheable(response: { ok: boolean; status: number; headers: { get(name: string): string | null } }, strategy: Strategy): boolean {
  if (!response.ok || response.status !== 200) return false;
  const type = response.headers.get('content-type') ?? '';
  return strategy === 'shell' ? type.includes('text/html') : !type.includes('text/html');
}

/** Cache entries (paths) that belong to no file of the current build. */
export function stale(cachedPaths: readonly string[], precache: Pick<Precache, 'assets'>): string[] {
  const current = new Set(precache.assets);
  return cachedPaths.filter((path) => !current.has(path));
}
