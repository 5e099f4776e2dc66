import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/app/server.js';
import { makeFixture, type Fixture } from '../support/fixture.js';
import { newService, submit } from '../support/services.js';
import { apiOf, axeViolations, collectErrors, launchChromium, screenshotPath, startDashboardServer } from './browser.js';

// R3, R21–R23 in the workspace: a department's own figures (with the seven dimensions) and the
// assessment page (fair ranking and the key-supervision list), in Chromium against the built dashboard.

let server: RunningServer;
let drop: () => Promise<void>;
let browser: Browser;
let fx: Fixture;
const errors: string[] = [];

beforeAll(async () => {
  ({ server, drop } = await startDashboardServer({}));
  const api = apiOf(server);
  fx = await makeFixture(api);
  for (const level of [5, 5, 4, 1]) {
    const service = await newService(api, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    const res = await submit(
      api,
      { ...service, level, dimensions: [{ key: 'attitude', level }], ...(level === 1 ? { tags: ['115'], comment: '等候时间太长' } : {}) },
      { apiKey: fx.keys.market },
    );
    expect(res.errors).toBeUndefined();
  }
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await drop?.();
});

async function signedIn(username: string, password: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  collectErrors(page, errors, username);
  await page.goto(`${server.url}/workspace`);
  await page.fill('#ws-username', username);
  await page.fill('#ws-password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=ws-user]');
  return page;
}

describe('workspace figures and assessment pages', () => {
  it("shows an officer its department's figures, the seven dimensions included (R3, R21)", async () => {
    const page = await signedIn('market', 'market-pass');
    await page.click('text=本部门评价');
    await page.waitForSelector('[data-testid=dept-dimensions]');
    expect(await page.textContent('[data-testid=dept-overview]')).toContain('4');
    expect(await page.textContent('[data-testid=dept-staff]')).toContain('王晓明');
    expect(await page.textContent('[data-testid=dept-dimensions]')).toContain('服务态度');
    // Compared with its own previous period of the same length (nothing rated then).
    expect(await page.textContent('[data-testid=dept-previous-total]')).toBe('上一周期：0');
    // The dimensions as a bar chart, and the comparison with peers and the previous period (R3, R22).
    expect(await page.textContent('[data-testid=dept-dimension-chart]')).toContain('服务态度');
    expect(await page.textContent('[data-testid=dept-comparison]')).toContain('同级中位数');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('workspace-department.png'), fullPage: true });
    await page.close();
  });

  it('ranks the districts for the current month and shows the supervision list to a supervisor (R22, R23)', async () => {
    const page = await signedIn('super', 'super-pass');
    await page.click('text=考核排名');
    await page.waitForSelector('[data-testid=ws-assessment]');
    const month = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 7);
    await page.fill('input[name=period]', month);
    await page.click('[data-testid=ws-assessment] button[type=submit]');
    await page.waitForSelector('[data-testid=ranking-table]');
    const table = await page.textContent('[data-testid=ranking-table]');
    expect(table).toContain('东城区');
    expect(table).toContain('未排名');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('workspace-assessment.png'), fullPage: true });
    await page.close();
    expect(errors).toEqual([]);
  });
});
