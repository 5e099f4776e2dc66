import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/app/server.js';
import { makeFixture, type Fixture } from '../support/fixture.js';
import { operation } from '../support/operations.js';
import { gql, type TestServer } from '../support/server.js';
import { registerService } from '../support/services.js';
import { apiOf, axeViolations, collectErrors, launchChromium, screenshotPath, startDashboardServer } from './browser.js';

// R7: the window evaluator shows, beside the levels, the receipt QR code of the service it offers (the
// same signed single-use rating link the receipt carries), so the citizen may rate on the phone instead.

let server: RunningServer;
let drop: () => Promise<void>;
let api: TestServer;
let fx: Fixture;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  ({ server, drop } = await startDashboardServer({}));
  api = apiOf(server);
  fx = await makeFixture(api);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await drop?.();
});

describe('window evaluator (/window/:id)', () => {
  it('shows the receipt QR code of the presented service, an SVG the server draws for its rating token (R7)', async () => {
    const page: Page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    collectErrors(page, errors, 'window');
    await page.goto(`${server.url}/window/${fx.window.id}`);
    await page.waitForSelector('[data-testid=device-setup]');
    await page.fill('#device-key', fx.keys.window);
    await page.click('[data-testid=device-setup] button[type=submit]');
    await page.waitForSelector('[data-testid=connection][data-state=connected]');

    const res = await registerService(api, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    const projectNo = res.data!.registerService.projectNo;
    const shown = await gql(server.url, operation('present-rating'), { projectNo, serviceNumber: 1 }, { apiKey: fx.keys.market });
    expect(shown.errors).toBeUndefined();

    await page.waitForSelector('[data-testid=device-rating]');
    const img = await page.waitForSelector('[data-testid=device-qr] img');
    await page.waitForFunction(() => (document.querySelector('[data-testid=device-qr] img') as HTMLImageElement | null)?.naturalWidth);
    const src = (await img.getAttribute('src'))!;
    expect(src).toMatch(/^\/qr\/[A-Za-z0-9_.-]+\.svg$/);
    expect(await page.textContent('[data-testid=device-qr]')).toContain('扫码');
    const svg = await fetch(server.url + src);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('window-qr-1280x800.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
