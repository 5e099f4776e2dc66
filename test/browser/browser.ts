import { execSync } from 'node:child_process';
import type { Config } from '../../server/src/common/config.js';
import { startServer, type RunningServer } from '../../server/src/app/server.js';
import { CHROMIUM_EXECUTABLE, launchQuietChromium, QUIET_CHROMIUM_FLAGS } from '../support/chromium.js';
import { throwawayDatabase } from '../support/database.js';
import { gql, type TestServer } from '../support/server.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const SCREENSHOTS = resolve('test/screenshots');
const AXE = readFileSync(resolve('node_modules/axe-core/axe.min.js'), 'utf8');

/** Debian's Chromium, headless, with the flags that keep it quiet on a machine without a network. */
export async function launchChromium(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return launchQuietChromium();
}

/** Every console error and uncaught exception of a page, for the "no console errors" check. */
export function collectErrors(page: Page, into: string[], name: string): void {
  page.on('console', (m) => {
    if (m.type() === 'error') into.push(`${name}: console: ${m.text()}`);
  });
  page.on('pageerror', (e) => into.push(`${name}: ${e.message}`));
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: string[]; failureSummary?: string }>;
}

/** Runs axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // Evaluated over the DevTools protocol, not added as an inline <script>: the server's CSP (script-src 'self') refuses those.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, failureSummary: n.failureSummary })),
    }));
  });
}

export function screenshotPath(name: string): string {
  return join(SCREENSHOTS, name);
}

export function dashboardBuilt(dir: string): boolean {
  return existsSync(join(dir, 'index.html'));
}

/** A kiosk browser with its own profile on disk, which the test can kill like a power cut and start again on the same profile. */
export interface Kiosk {
  browser: Browser;
  context: BrowserContext;
  /** SIGKILL to the browser's process group: no shutdown, no flush, as when the power goes. */
  powerCut(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Debian's Chromium started by the test itself (so the test holds its process and can kill it),
 * driven over CDP, with a persistent profile in `userDataDir`: IndexedDB, the service worker and its
 * caches, and localStorage survive from one start to the next.
 */
export async function launchKiosk(userDataDir: string): Promise<Kiosk> {
  const child = spawn(
    CHROMIUM_EXECUTABLE,
    [
      '--headless',
      '--remote-debugging-port=0',
      `--user-data-dir=${userDataDir}`,
      ...QUIET_CHROMIUM_FLAGS,
      '--no-default-browser-check',
      '--window-size=1280,800',
      'about:blank',
    ],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`chromium did not start: ${text.slice(-500)}`)), 30_000);
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(text);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`chromium exited (${code}): ${text.slice(-500)}`)));
  });
  child.stderr!.resume();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const browser = await chromium.connectOverCDP(endpoint);
  const kill = async () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await exited;
  };
  return {
    browser,
    context: browser.contexts()[0]!,
    powerCut: kill,
    close: async () => {
      await browser.close().catch(() => undefined);
      await kill();
    },
  };
}

/** Where `npm run build` puts the dashboard the browser tests load. */
export const DASHBOARD = 'dist/dashboard';

/**
 * A real server on a free loopback port serving the built dashboard (built first when missing), on a
 * throwaway database, with test keys; `config` adds or overrides settings. `drop` removes the database.
 */
/**
 * The dashboard server as the fixture and API helpers take a test server: its own `gql`, and the wall
 * clock (a browser cannot follow a manual one).
 */
export function apiOf(server: RunningServer): TestServer {
  return {
    ...server,
    clock: { now: () => new Date() },
    gql: (q: string, v?: Record<string, unknown>, a?: { token?: string; apiKey?: string }) => gql(server.url, q, v, a),
  } as unknown as TestServer;
}

export async function startDashboardServer(config: Partial<Config>): Promise<{ server: RunningServer; drop(): Promise<void> }> {
  if (!dashboardBuilt(DASHBOARD)) execSync('npm run -s build:dashboard', { stdio: 'inherit' });
  const db = await throwawayDatabase({ migrated: true });
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    dashboardDir: DASHBOARD,
    scheduleJobs: false,
    sqliteFile: db.sqliteFile,
    config: {
      dataDir: db.dataDir,
      databaseUrl: db.databaseUrl,
      seedDemo: false,
      liveIntervalMs: 100,
      minPublicRatings: 0,
      piiKey: Buffer.alloc(32, 7).toString('base64'),
      piiKeyId: 'test',
      authSecret: 'browser-secret-browser-secret-browser',
      ...config,
    },
  });
  return { server, drop: db.drop };
}
