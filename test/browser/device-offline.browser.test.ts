import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/app/server.js';
import { ServiceSchema } from '../../server/src/case/case.entities.js';
import type { Em } from '../../server/src/db/orm.js';
import { RatingSchema } from '../../server/src/rating/rating.entity.js';
import { makeFixture, type Fixture } from '../support/fixture.js';
import { operation } from '../support/operations.js';
import { gql, type TestServer } from '../support/server.js';
import { registerService } from '../support/services.js';
import { apiOf, axeViolations, collectErrors, startDashboardServer, launchKiosk, screenshotPath, type Kiosk } from './browser.js';
import { NetworkSwitch } from './network-switch.js';

// Item 3 of issue 13 (R7, R9): a window evaluator and a terminal keep a citizen's answer on the device
// through the hall's network going down, a reload and a power cut, load from their service worker
// while the server is unreachable, and send each answer exactly once when it is back. The browser is
// Debian's Chromium with a profile on disk, started by the test so it can be killed like a power cut;
// the network is a relay the test cuts. Waits on the page, never sleeps.

let server: RunningServer;
let drop: () => Promise<void>;
let api: TestServer;
let fx: Fixture;
let net: NetworkSwitch;
let profile: string;
let kiosk: Kiosk;
const errors: string[] = [];
const metrics: Record<string, unknown> = {};

beforeAll(async () => {
  ({ server, drop } = await startDashboardServer({}));
  api = apiOf(server);
  fx = await makeFixture(api);
  const { port } = new URL(server.url);
  net = new NetworkSwitch({ host: '127.0.0.1', port: Number(port) });
  await net.up();
  profile = mkdtempSync(join(tmpdir(), 'hcp-kiosk-'));
  kiosk = await launchKiosk(profile);
}, 300_000);

afterAll(async () => {
  writeFileSync(screenshotPath('device-metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  await kiosk?.close();
  await net?.down();
  await server?.close();
  await drop?.();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

async function devicePage(path: string, name: string): Promise<Page> {
  const page = await kiosk.context.newPage();
  await page.setViewportSize({ width: 1280, height: 800 });
  collectErrors(page, errors, name);
  await page.goto(net.url + path);
  return page;
}

/** Waits until the device's service worker controls the page and has cached what the page needs to load offline. */
async function workerReady(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated', undefined, { timeout: 60_000 });
}

async function ratingsOf(projectNo: string): Promise<number> {
  const em = server.app.orm.em.fork() as Em;
  const service = await em.findOneOrFail(ServiceSchema, { projectNo });
  return em.count(RatingSchema, { serviceId: service.id });
}

/** The outbox counter in the device's footer. */
async function waiting(page: Page, count: number): Promise<void> {
  await page.waitForSelector(`[data-testid=device-pending][data-count="${count}"]`, { timeout: 60_000 });
}

async function present(spec: { windowId?: number; terminalId?: number; staffNo?: string }): Promise<string> {
  const res = await registerService(api, fx, spec);
  const projectNo = res.data!.registerService.projectNo;
  const shown = await gql(server.url, operation('present-rating'), { projectNo, serviceNumber: 1 }, { apiKey: fx.keys.market });
  expect(shown.errors).toBeUndefined();
  return projectNo;
}

describe('window evaluator with the network down (/window/:id)', () => {
  let page: Page;

  it('pairs once online; its service worker takes over the page', async () => {
    page = await devicePage(`/window/${fx.window.id}`, 'window');
    await page.waitForSelector('[data-testid=device-setup]');
    await page.fill('#device-key', fx.keys.window);
    await page.click('[data-testid=device-setup] button[type=submit]');
    await page.waitForSelector('[data-testid=device-idle] .idle__staff');
    await page.waitForSelector('[data-testid=connection][data-state=connected]');
    await workerReady(page);
    const cached = await page.evaluate(async () => (await caches.keys()).filter((n) => n.startsWith('hcp-')));
    expect(cached.some((n) => n.startsWith('hcp-shell-'))).toBe(true);
  });

  it('saves an answer while the network is down, says so, and hands the device to the next citizen at once (R7)', async () => {
    const projectNo = await present({ windowId: fx.window.id, staffNo: fx.staff.workNo });
    await page.waitForSelector('[data-testid=device-rating]');
    await net.down();
    await page.waitForSelector('[data-testid=connection]:not([data-state=connected])');
    await page.click('label[data-level="4"]');
    await page.click('[data-testid=device-submit]');
    await page.waitForSelector('[data-testid=device-thanks][data-status=saved]');
    expect(await page.textContent('[data-testid=device-answer-status]')).toContain('已保存，发送中…');
    await waiting(page, 1);
    expect(await page.textContent('[data-testid=device-pending]')).toContain('待发送 1 条');
    expect(await axeViolations(page)).toEqual([]);
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: screenshotPath('window-offline-saved-1280x800.png') });
    // The next citizen: the device is back to its idle screen, the answer still waiting.
    await page.waitForSelector('[data-testid=device-idle]', { timeout: 15_000 });
    await waiting(page, 1);
    expect(await ratingsOf(projectNo)).toBe(0);
  });

  it('keeps the answer through a reload and a power cut, loading from its service worker with the server unreachable', async () => {
    await page.reload();
    await page.waitForSelector('[data-testid=device-idle]');
    await waiting(page, 1);
    // The place and staff were kept on the device: the idle screen is whole without the server.
    expect(await page.textContent('[data-testid=device-idle]')).toContain(fx.staff.name);

    await kiosk.powerCut();
    kiosk = await launchKiosk(profile);
    page = await devicePage(`/window/${fx.window.id}`, 'window-after-power-cut');
    await page.waitForSelector('[data-testid=device-idle]');
    await waiting(page, 1);
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: screenshotPath('window-offline-idle-1280x800.png') });
  });

  it('sends the answer once when the network is back: one rating stored (R9)', async () => {
    const projectNo = await page.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('hcp-device');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const all = await new Promise<Array<{ input: { projectNo: string } }>>((resolve) => {
        const req = db.transaction('answers').objectStore('answers').getAll();
        req.onsuccess = () => resolve(req.result);
      });
      db.close();
      return all[0]!.input.projectNo;
    });
    const back = Date.now();
    await net.up();
    await waiting(page, 0);
    metrics.pendingSentAfterNetworkBackMs = Date.now() - back;
    expect(await ratingsOf(projectNo)).toBe(1);
    const em = server.app.orm.em.fork() as Em;
    const rating = await em.findOneOrFail(RatingSchema, { serviceId: (await em.findOneOrFail(ServiceSchema, { projectNo })).id });
    metrics.ratingStoredAfterNetworkBackMs = rating.ratedAt - back;
    expect(rating.level).toBe(4);
    await page.waitForSelector('[data-testid=connection][data-state=connected]', { timeout: 60_000 });
    expect(await page.textContent('[data-testid=device-pending]')).toContain('全部已发送');
    // The server replays a live presentation to a device that reconnects: this one was answered here, so it is not asked again.
    expect(await page.getAttribute('[data-testid=device]', 'data-phase')).toBe('idle');
  });

  it('takes a lost reply as sent: the resend (same submissionId) gets the stored rating, and nothing is stored twice (R9)', async () => {
    const projectNo = await present({ windowId: fx.window.id, staffNo: fx.staff.workNo });
    await page.waitForSelector('[data-testid=device-rating]');
    let lost = 0;
    await page.route('**/graphql', async (route) => {
      if (!route.request().postData()?.includes('SubmitEvaluation') || lost > 0) return route.continue();
      lost += 1;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.click('label[data-level="5"]');
    await page.click('[data-testid=device-submit]');
    await page.waitForSelector('[data-testid=device-thanks]');
    await page.waitForSelector('[data-testid=device-thanks][data-status=sent]', { timeout: 30_000 });
    expect(await page.textContent('[data-testid=device-answer-status]')).toContain('已发送');
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: screenshotPath('window-sent-1280x800.png') });
    expect(lost).toBe(1);
    expect(await ratingsOf(projectNo)).toBe(1);
    await waiting(page, 0);
    await page.unroute('**/graphql');
  });
});

describe('self-service terminal (/terminal/:id)', () => {
  it('loads from its service worker with the server down and shows what waits', async () => {
    // A terminal is a kiosk of its own, with its own profile and key.
    const terminalProfile = mkdtempSync(join(tmpdir(), 'hcp-terminal-'));
    const terminal = await launchKiosk(terminalProfile);
    try {
      const page = await terminal.context.newPage();
      await page.setViewportSize({ width: 1280, height: 800 });
      collectErrors(page, errors, 'terminal');
      await page.goto(`${net.url}/terminal/${fx.terminal.id}`);
      await page.fill('#device-key', fx.keys.terminal);
      await page.click('[data-testid=device-setup] button[type=submit]');
      await page.waitForSelector('[data-testid=device-idle] .idle__place');
      await page.waitForSelector('[data-testid=connection][data-state=connected]');
      await workerReady(page);
      await net.down();
      await page.goto(`${net.url}/terminal/${fx.terminal.id}`);
      await page.waitForSelector('[data-testid=device-idle] .idle__place');
      expect(await page.textContent('[data-testid=device-idle]')).toContain(fx.terminal.name);
      expect(await page.getAttribute('[data-testid=connection]', 'data-state')).not.toBe('connected');
      await page.evaluate(() => document.fonts.ready);
      await page.screenshot({ path: screenshotPath('terminal-offline-idle-1280x800.png') });
      await net.up();
      await page.waitForSelector('[data-testid=connection][data-state=connected]', { timeout: 60_000 });
    } finally {
      await terminal.close();
      rmSync(terminalProfile, { recursive: true, force: true });
    }
  });
});

describe('home page (/) of an installation with real data', () => {
  it('shows no demo accounts and no "try a rating", and is not under the device service worker', async () => {
    const page = await kiosk.context.newPage();
    collectErrors(page, errors, 'home');
    await page.goto(`${net.url}/`);
    await page.waitForSelector('[data-testid=home][data-state=live]');
    await page.waitForSelector('[data-testid=home-window]');
    expect(await page.locator('[data-testid=home-accounts]').count()).toBe(0);
    expect(await page.locator('[data-testid=home-try]').count()).toBe(0);
    expect(await page.evaluate(() => navigator.serviceWorker.controller)).toBeNull();
    const tried = await gql(server.url, operation('try-demo-rating'));
    expect(tried.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('device pages', () => {
  it('log no errors beyond the failed requests of the network being down', () => {
    expect(errors.filter((e) => !/Failed to load resource|ERR_CONNECTION|WebSocket connection/.test(e))).toEqual([]);
  });
});
