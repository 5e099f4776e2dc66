import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/app/server.js';
import { DEMO_CREDENTIALS } from '../../seeds/seeder.js';
import { axeViolations, collectErrors, startDashboardServer, launchChromium, screenshotPath } from './browser.js';

// Item 5 of issue 13: a newcomer's first minute. The home page of the demo lists every page, the
// workspace with the demo accounts, and "try a rating": an invented receipt with its QR code, the
// rating page, and the rating on the big screen. Real server with the demo city, Debian's Chromium.

let server: RunningServer;
let drop: () => Promise<void>;
let browser: Browser;
const errors: string[] = [];
const metrics: Record<string, unknown> = {};

beforeAll(async () => {
  ({ server, drop } = await startDashboardServer({ seedDemo: true, seedRatings: 1000, minPublicRatings: 5 }));
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  writeFileSync(screenshotPath('home-metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  await browser?.close();
  await server?.close();
  await drop?.();
});

function hasZbar(): boolean {
  try {
    execFileSync('zbarimg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('home page (/) with the demo data', () => {
  let home: Page;

  it('lists every page, the workspace with the demo accounts, and how to set up the devices', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    home = await context.newPage();
    collectErrors(home, errors, 'home');
    await home.goto(`${server.url}/`);
    await home.waitForSelector('[data-testid=home][data-state=live]');
    for (const card of ['screen', 'workspace', 'window', 'terminal', 'rate', 'widget', 'api']) await home.waitForSelector(`[data-testid=home-${card}]`);
    const accounts = await home.textContent('[data-testid=home-accounts]');
    for (const who of [DEMO_CREDENTIALS.officer, DEMO_CREDENTIALS.supervisor, DEMO_CREDENTIALS.hotline, DEMO_CREDENTIALS.admin]) {
      expect(accounts).toContain(who.username);
      expect(accounts).toContain(who.password);
    }
    expect(await home.textContent('[data-testid=home-window]')).toContain(DEMO_CREDENTIALS.windowKey);
    expect(await home.textContent('[data-testid=demo-banner]')).toContain('演示数据');
    expect(await axeViolations(home)).toEqual([]);
    await home.evaluate(() => document.fonts.ready);
    await home.screenshot({ path: screenshotPath('home-1280x900.png'), fullPage: true });
  });

  it('"try a rating": a receipt with its QR code, the rating page, and the rating on the big screen within a minute (R7, R21)', async () => {
    const screen = await (await browser.newContext({ viewport: { width: 1920, height: 1080 } })).newPage();
    collectErrors(screen, errors, 'screen');
    await screen.goto(`${server.url}/screen`);
    await screen.waitForSelector('[data-testid=screen][data-state=live]');
    const before = Number(await screen.getAttribute('[data-testid=counter-total]', 'data-value'));

    const started = Date.now();
    await home.click('[data-testid=home-try-go]');
    await home.waitForSelector('[data-testid=home-ticket] [data-testid=home-qr]');
    const link = await home.inputValue('#home-link');
    expect(link).toMatch(new RegExp(`^${server.url}/rate\\?t=`));
    expect(await home.textContent('[data-testid=home-ticket]')).toMatch(/DEMO-/);
    expect(await axeViolations(home)).toEqual([]);
    await home.evaluate(() => document.fonts.ready);
    await home.screenshot({ path: screenshotPath('home-try-1280x900.png'), fullPage: true });
    if (hasZbar()) {
      // The code on the page carries the link: read back by a real decoder from the rendered pixels.
      const png = screenshotPath('home-qr.png');
      await home.locator('[data-testid=home-qr]').screenshot({ path: png });
      expect(
        execFileSync('zbarimg', ['--raw', '-q', png], { stdio: ['ignore', 'pipe', 'ignore'] })
          .toString()
          .trim(),
      ).toBe(link);
    }

    const phone = await (await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true })).newPage();
    collectErrors(phone, errors, 'rate');
    await phone.goto(link);
    await phone.waitForSelector('[data-testid=rate][data-phase=form]');
    await phone.click('label[data-level="5"]');
    await phone.click('[data-testid=rate-submit]');
    await phone.waitForSelector('[data-testid=rate-done]');
    await screen.waitForFunction((want) => Number(document.querySelector('[data-testid=counter-total]')?.getAttribute('data-value')) === want, before + 1, {
      timeout: 30_000,
    });
    metrics.tryToBigScreenMs = Date.now() - started;
  });

  it('logs no console errors', () => {
    expect(errors).toEqual([]);
  });
});
