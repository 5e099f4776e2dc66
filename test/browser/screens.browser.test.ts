import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/app/server.js';
import { DepartmentSchema, ItemSchema, ServiceWindowSchema, StaffSchema } from '../../server/src/catalog/catalog.entities.js';
import type { Em } from '../../server/src/db/orm.js';
import { DEMO_CREDENTIALS } from '../../seeds/seeder.js';
import { operation } from '../support/operations.js';
import { gql, type Auth } from '../support/server.js';
import { axeViolations, collectErrors, DASHBOARD, startDashboardServer, launchChromium, screenshotPath } from './browser.js';

// R21, R7: the big screen, the rating page and the window evaluator in a real browser, against a real
// server (demo city, in-process) serving the built dashboard. Waits on the pages' own updates, never sleeps.

let server: RunningServer;
let drop: () => Promise<void>;
let browser: Browser;
let screen: Page;
const errors: string[] = [];
const metrics: Record<string, unknown> = {};
let systemKey: string;
let serviceSeq = 0;
let window1: { id: number; departmentId: number; deptCode: string; taskCode: string; staffNo: string | null; staffName: string | null };

const call = async <T>(query: string, variables: Record<string, unknown>, auth: Auth) => {
  const res = await gql<T>(server.url, query, variables, auth);
  if (!res.data) throw new Error(`${query.slice(0, 60)} failed: ${JSON.stringify(res.errors)}`);
  return res.data;
};

async function login(who: { username: string; password: string }): Promise<string> {
  const res = await call<{ login: { token: string } }>(
    'mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }',
    { u: who.username, p: who.password },
    {},
  );
  return res.login.token;
}

async function registerService(windowId?: number): Promise<{ projectNo: string; serviceNumber: number }> {
  const projectNo = `BRW${Date.now().toString(36)}${serviceSeq++}`;
  await call(
    operation('register-service'),
    {
      input: {
        projectNo,
        serviceNumber: 1,
        serviceName: '受理',
        taskCode: window1.taskCode,
        deptCode: window1.deptCode,
        proStatus: 3,
        resultDate: new Date().toISOString(),
        userName: '张小三',
        mobile: '13812341234',
        userProp: 1,
        proChannel: 2,
        windowId,
        staffNo: windowId ? window1.staffNo : undefined,
      },
    },
    { apiKey: systemKey },
  );
  return { projectNo, serviceNumber: 1 };
}

/** What a page downloaded from the build, gzipped (as a compressing proxy or server would send it), in KiB by kind. */
async function pageWeight(page: Page): Promise<Record<string, number>> {
  const urls = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .map((e) => e.name)
      .filter((n) => n.includes('/assets/')),
  );
  const kib: Record<string, number> = { js: 0, css: 0, woff2: 0, files: urls.length };
  for (const url of urls) {
    const file = join(DASHBOARD, 'assets', basename(new URL(url).pathname));
    const kind = file.split('.').pop()!;
    const bytes = readFileSync(file);
    kib[kind] = (kib[kind] ?? 0) + (kind === 'woff2' ? bytes.length : gzipSync(bytes).length) / 1024;
  }
  return Object.fromEntries(Object.entries(kib).map(([k, v]) => [k, Math.round(v * 10) / 10]));
}

/** Waits until every chart on the page has finished drawing (ECharts' own `finished` event), then for the fonts. */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(() => [...document.querySelectorAll('.chart')].every((c) => c.getAttribute('data-busy') === 'false'));
  await page.evaluate(() => document.fonts.ready);
}

/** The exact total the screen is showing (its data-value, not the animated text). */
async function shownTotal(page: Page): Promise<number> {
  return Number(await page.getAttribute('[data-testid=counter-total]', 'data-value'));
}

/** Waits until the page itself shows the new total, pushed by the server: no polling of our own, no sleep. */
async function waitForTotal(page: Page, total: number): Promise<void> {
  await page.waitForFunction((want) => document.querySelector('[data-testid=counter-total]')?.getAttribute('data-value') === String(want), total, {
    timeout: 30_000,
  });
}

beforeAll(async () => {
  ({ server, drop } = await startDashboardServer({ seedDemo: true, seedRatings: 4000 }));
  const em = server.app.orm.em.fork() as Em;
  const win = await em.findOneOrFail(ServiceWindowSchema, { id: 1 });
  const dept = await em.findOneOrFail(DepartmentSchema, { id: win.departmentId! });
  const item = await em.findOneOrFail(ItemSchema, { departmentId: dept.id }, { orderBy: { id: 'asc' } });
  const staff = await em.findOne(StaffSchema, { windowId: 1, departmentId: dept.id }, { orderBy: { id: 'asc' } });
  window1 = {
    id: 1,
    departmentId: dept.id,
    deptCode: dept.creditCode,
    taskCode: item.taskCode,
    staffNo: staff?.workNo ?? null,
    staffName: staff?.name ?? null,
  };
  const security = await login(DEMO_CREDENTIALS.security);
  systemKey = (
    await call<{ createApiKey: string }>(
      'mutation ($d: Int!) { createApiKey(role: "system", name: "窗口所属部门业务系统（测试）", departmentId: $d) }',
      { d: dept.id },
      { token: security },
    )
  ).createApiKey;
  browser = await launchChromium();
});

afterAll(async () => {
  writeFileSync(screenshotPath('metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  await browser?.close();
  await server?.close();
  await drop?.();
});

describe('hall big screen (/screen)', () => {
  it('shows live figures from a screen token, with the demo banner and a live connection', async () => {
    const supervisor = await login(DEMO_CREDENTIALS.supervisor);
    const issued = await call<{ issueScreenToken: { path: string } }>(
      operation('issue-screen-token'),
      { kind: 'SCREEN', label: '测试大厅大屏' },
      { token: supervisor },
    );
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    screen = await context.newPage();
    collectErrors(screen, errors, 'screen');
    await screen.goto(server.url + issued.issueScreenToken.path);
    await screen.waitForSelector('[data-testid=screen][data-state=live]');
    await screen.waitForFunction(() => Number(document.querySelector('[data-testid=counter-total]')?.getAttribute('data-value')) > 0);
    const firstFigures = await screen.evaluate(() => performance.getEntriesByName('hcp:first-figures')[0]?.startTime ?? null);
    metrics.firstFiguresMs = firstFigures === null ? null : Math.round(firstFigures);
    expect(firstFigures).not.toBeNull();
    await expect(screen.textContent('[data-testid=demo-banner]')).resolves.toContain('演示数据');
    await expect(screen.getAttribute('[data-testid=connection]', 'data-state')).resolves.toBe('connected');
    await expect(screen.textContent('[data-testid=last-updated]')).resolves.toMatch(/\d\d:\d\d:\d\d/);
    for (const panel of ['regions', 'ranking', 'channels', 'hot-tags', 'trend', 'feed']) {
      await screen.waitForSelector(`[data-testid=panel-${panel}] .panel__body > :not(.panel__empty)`);
    }
    // The rating feed never shows personal data (R12): no masked names or phone numbers.
    expect(await screen.textContent('[data-testid=panel-feed]')).not.toMatch(/\*|138\d/);
    expect(await screen.evaluate(() => getComputedStyle(document.querySelector('[data-testid=screen]')!).cursor)).toBe('none');
    await settled(screen);
    metrics.screenPageGzipKiB = await pageWeight(screen);
    await screen.screenshot({ path: screenshotPath('screen-1920x1080.png') });
  });
});

describe('rating page (/rate?t=TOKEN)', () => {
  it('rates a service from its receipt token, accessibly, and the big screen counts it live (R7, R9)', async () => {
    const before = await shownTotal(screen);
    const service = await registerService();
    const { issueRatingToken } = await call<{ issueRatingToken: { path: string } }>(operation('issue-rating-token'), service, { apiKey: systemKey });
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const page = await phone.newPage();
    collectErrors(page, errors, 'rate');
    await page.goto(server.url + issueRatingToken.path);
    await page.waitForSelector('[data-testid=rate][data-phase=form]');
    expect(await page.textContent('.ticket')).toContain(service.projectNo);
    expect(await axeViolations(page)).toEqual([]);

    // A bad rating without a tag or comment is stopped on the page (R9).
    await page.click('label[data-level="2"]');
    await page.waitForSelector('#tags');
    await page.click('[data-testid=rate-submit]');
    await expect(page.textContent('[data-testid=rate-error]')).resolves.toBeTruthy();

    await page.click('label[data-level="5"]');
    await page.waitForSelector('#tags .tag');
    await page.click('#tags .tag >> nth=0');
    await page.fill('#comment', '办理很快，态度很好');
    expect(await axeViolations(page)).toEqual([]);
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: screenshotPath('rate-390x844@2x.png'), fullPage: true });
    metrics.ratePageGzipKiB = await pageWeight(page);
    await page.click('[data-testid=rate-submit]');
    await page.waitForSelector('[data-testid=rate-done]');
    expect(await axeViolations(page)).toEqual([]);
    await waitForTotal(screen, before + 1);

    // Reopening the receipt shows the thanks kept on the phone; a second phone is told it was used.
    await page.reload();
    await page.waitForSelector('[data-testid=rate-done]');
    const other = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    collectErrors(other, errors, 'rate-again');
    await other.goto(server.url + issueRatingToken.path);
    await other.waitForSelector('[data-testid=rate][data-phase=used]');
    await phone.close();
  });

  it('keeps the answer through a network failure and sends it exactly once (R9)', async () => {
    const before = await shownTotal(screen);
    const service = await registerService();
    const { issueRatingToken } = await call<{ issueRatingToken: { path: string } }>(operation('issue-rating-token'), service, { apiKey: systemKey });
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(server.url + issueRatingToken.path);
    await page.waitForSelector('[data-testid=rate][data-phase=form]');
    await page.click('label[data-level="4"]');
    // The first submission reaches the server but its answer is lost; the page must retry with the
    // same submissionId and get the stored rating back, never a second rating.
    let dropped = 0;
    await page.route('**/graphql', async (route) => {
      if (!route.request().postData()?.includes('SubmitEvaluation') || dropped > 0) return route.continue();
      dropped += 1;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.click('[data-testid=rate-submit]');
    await page.waitForSelector('[data-testid=rate-done]');
    expect(dropped).toBe(1);
    await waitForTotal(screen, before + 1);
    await context.close();
  });
});

describe('window evaluator (/window/:id)', () => {
  it('shows a presented service at once and rates it with the device key (R7)', async () => {
    const before = await shownTotal(screen);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
    const page = await context.newPage();
    collectErrors(page, errors, 'window');
    await page.goto(`${server.url}/window/${window1.id}`);
    await page.waitForSelector('[data-testid=device-setup]');
    expect(await axeViolations(page)).toEqual([]);
    await page.fill('#device-key', DEMO_CREDENTIALS.windowKey);
    await page.click('[data-testid=device-setup] button[type=submit]');
    await page.waitForSelector('[data-testid=device-idle] .idle__staff');
    await page.waitForSelector('[data-testid=connection][data-state=connected]');
    expect(await axeViolations(page)).toEqual([]);
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: screenshotPath('window-idle-1280x800.png') });

    const service = await registerService(window1.id);
    await call(operation('present-rating'), service, { apiKey: systemKey });
    await page.waitForSelector('[data-testid=device-rating]');
    const shown = await page.textContent('[data-testid=device-rating]');
    expect(shown).toContain(service.projectNo);
    if (window1.staffNo) expect(shown).toContain(window1.staffNo);
    expect(await axeViolations(page)).toEqual([]);
    await page.click('label[data-level="5"]');
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: screenshotPath('window-rating-1280x800.png') });
    await page.click('[data-testid=device-submit]');
    await page.waitForSelector('[data-testid=device-thanks]');
    await waitForTotal(screen, before + 1);
    // The key is kept on the device: a reload goes straight to the idle screen.
    await page.reload();
    await page.waitForSelector('[data-testid=device-idle]');
    await context.close();
  });
});

describe('connection loss', () => {
  it('shows the loss, reconnects with backoff and replaces the snapshot without double counting', async () => {
    const context = await browser.newContext({ viewport: { width: 1920, height: 1080 } });
    const page = await context.newPage();
    collectErrors(page, errors, 'screen-reconnect');
    const open: Array<{ close(options?: { code?: number; reason?: string }): Promise<void> }> = [];
    let refuse = 0;
    await page.routeWebSocket(/\/graphql$/, (ws) => {
      if (refuse > 0) {
        refuse -= 1;
        void ws.close({ code: 1001, reason: 'test: server away' });
        return;
      }
      ws.connectToServer();
      open.push(ws);
    });
    await page.goto(`${server.url}/screen`);
    await page.waitForSelector('[data-testid=screen][data-state=live]');
    const before = await shownTotal(page);

    // The link drops and the first reconnection is refused: the indicator says so, the figures stay.
    refuse = 1;
    await Promise.all(open.splice(0).map((ws) => ws.close({ code: 1001, reason: 'test: link lost' })));
    await page.waitForSelector('[data-testid=connection][data-state=reconnecting]');
    expect(await shownTotal(page)).toBe(before);

    // A rating taken meanwhile arrives with the first snapshot after the reconnect, counted once.
    const service = await registerService();
    const { issueRatingToken } = await call<{ issueRatingToken: { token: string } }>(operation('issue-rating-token'), service, { apiKey: systemKey });
    await call(operation('submit-evaluation'), { input: { token: issueRatingToken.token, level: 5 } }, {});
    await page.waitForSelector('[data-testid=connection][data-state=connected]', { timeout: 60_000 });
    await waitForTotal(page, before + 1);
    expect(refuse).toBe(0);
    await context.close();
  });
});

describe('portal widget (/widget and /embed.js)', () => {
  it('embeds with one script tag and shows the live total', async () => {
    const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
    const page = await context.newPage();
    collectErrors(page, errors, 'embed');
    await page.goto(`${server.url}/healthz`);
    await page.setContent(
      `<!doctype html><html lang="zh-CN"><head><title>门户</title></head><body><h1>门户首页</h1><script src="${server.url}/embed.js"></script></body></html>`,
    );
    const frameHandle = await page.waitForSelector('iframe[data-hcp-widget]');
    const frame = (await frameHandle.contentFrame())!;
    await frame.waitForSelector('[data-testid=widget][data-state=live]');
    expect(Number(await frame.getAttribute('[data-testid=widget-total]', 'data-value'))).toBe(await shownTotal(screen));
    await frame.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: screenshotPath('widget-embed-800x600.png') });
    await context.close();
  });
});

describe('scaling', () => {
  it('keeps the 1920×1080 design sharp at 3840×2160 and letterboxed on ultrawide', async () => {
    await screen.setViewportSize({ width: 3840, height: 2160 });
    await screen.waitForFunction(() => document.querySelector<HTMLElement>('.stage')?.style.transform.includes('scale(2)'));
    await settled(screen);
    await screen.screenshot({ path: screenshotPath('screen-3840x2160.png') });
    await screen.setViewportSize({ width: 2560, height: 1080 });
    await screen.waitForFunction(() => document.querySelector<HTMLElement>('.stage')?.style.transform.includes('translate(320px, 0px) scale(1)'));
    await settled(screen);
    await screen.screenshot({ path: screenshotPath('screen-2560x1080-ultrawide.png') });
    const hiDpi = await (await browser.newContext({ viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 2 })).newPage();
    collectErrors(hiDpi, errors, 'screen@2x');
    await hiDpi.goto(`${server.url}/screen`);
    await hiDpi.waitForSelector('[data-testid=screen][data-state=live]');
    await hiDpi.waitForSelector('[data-testid=panel-trend] .panel__body > :not(.panel__empty)');
    await settled(hiDpi);
    await hiDpi.screenshot({ path: screenshotPath('screen-1920x1080@2x.png') });
  });

  it('logged no console errors on any page', () => {
    expect(errors).toEqual([]);
  });
});
