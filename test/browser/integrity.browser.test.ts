import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/app/server.js';
import { makeFixture, type Fixture } from '../support/fixture.js';
import type { TestServer } from '../support/server.js';
import { newService, submit } from '../support/services.js';
import { apiOf, axeViolations, collectErrors, launchChromium, screenshotPath, startDashboardServer } from './browser.js';

// R18 and 社情民意 in the workspace: a supervisor runs the fraud detectors, upholds a burst of top
// ratings from one window device, and confirms a rising comment theme; then the common problems page
// (R20). Real server serving the built dashboard, Debian's Chromium; waits on the page, never sleeps.

let server: RunningServer;
let drop: () => Promise<void>;
let browser: Browser;
let fx: Fixture;
let api: TestServer;
const errors: string[] = [];

beforeAll(async () => {
  ({ server, drop } = await startDashboardServer({}));
  api = apiOf(server);
  fx = await makeFixture(api);
  // Five top ratings from the A01 window device within seconds: a burst (R18).
  for (let i = 0; i < 5; i++) {
    const service = await newService(api, fx, { windowId: fx.window.id, mobile: `1390000000${i}` });
    const res = await submit(api, { ...service, level: 5 }, { apiKey: fx.keys.window });
    if (!res.data) throw new Error(JSON.stringify(res.errors));
  }
  // Comments this month about parking.
  for (const [i, comment] of ['停车位太少', '门口没有停车位', '停车位全满了'].entries()) {
    const service = await newService(api, fx, { mobile: `1380000000${i}` });
    const res = await submit(api, { ...service, level: 2, comment }, { apiKey: fx.keys.market });
    if (!res.data) throw new Error(JSON.stringify(res.errors));
  }
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await drop?.();
});

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${server.url}/workspace`);
  await page.fill('#ws-username', username);
  await page.fill('#ws-password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=ws-user]');
}

describe('评价监测 in the workspace (R18)', () => {
  it('a supervisor detects, upholds a burst and confirms a theme', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    collectErrors(page, errors, 'integrity');
    await signIn(page, 'super', 'super-pass');
    await page.click('a[href="/workspace/integrity"]');
    await page.waitForSelector('h2#ws-integrity-h');
    await page.click('[data-testid=integrity-detect]');
    const signal = page.locator('li[data-signal]').filter({ hasText: '集中好评' }).filter({ hasText: '同一评价设备' });
    await signal.waitFor();
    const id = await signal.getAttribute('data-signal');
    await page.fill(`[data-testid=integrity-note-${id}]`, '同一设备一分钟内五条非常满意，认定刷好评');
    await page.waitForSelector('tr[data-theme="停车位"]');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('workspace-integrity.png'), fullPage: true });
    await signal.getByRole('button', { name: '认定并作废评价' }).click();
    await page.getByRole('status').filter({ hasText: '已认定' }).waitFor();
    await page.locator('tr[data-theme="停车位"]').getByRole('button', { name: '确认公开' }).click();
    await page.locator('tr[data-theme="停车位"]').getByText('已公开').waitFor();
    const valid = await (server.app.orm.em.fork() as unknown as { execute<T>(sql: string): Promise<T> }).execute<Array<{ n: number | string }>>(
      `select count(*) as n from rating where valid = false and invalid_reason like 'fraud signal%'`,
    );
    expect(Number(valid[0]!.n)).toBe(5);
    await page.close();
  });

  it('the common problems page lists the region’s problems (R20)', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    collectErrors(page, errors, 'problems');
    await signIn(page, 'market', 'market-pass');
    await page.click('a[href="/workspace/problems"]');
    await page.waitForSelector('[data-testid=problems-zero]');
    // Three bad reviews on one item within the window made a common problem (R20).
    await page.locator('li[data-problem]').first().waitFor();
    expect(await page.locator('[data-testid=problems-zero]').textContent()).toContain('未销号共性问题 1 个');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('workspace-problems.png'), fullPage: true });
    await page.close();
    expect(errors).toEqual([]);
  });
});
