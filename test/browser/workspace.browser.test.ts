import { execSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createUser } from '../../server/src/auth/auth.service.js';
import type { Em } from '../../server/src/db/orm.js';
import { startServer, type RunningServer } from '../../server/src/main.js';
import { throwawayDatabase } from '../support/database.js';
import { CITY, makeFixture, type Fixture } from '../support/fixture.js';
import { gql, type TestServer } from '../support/server.js';
import { registerService, submit } from '../support/services.js';
import { axeViolations, collectErrors, dashboardBuilt, launchChromium, screenshotPath } from './browser.js';

// Issue 4: one bad review handled in the department workspace from dispatch to the 12345 callback, in
// Debian's Chromium against a real server serving the built dashboard. Waits on the page, never sleeps.

const DASHBOARD = 'dist/dashboard';
let server: RunningServer;
let drop: () => Promise<void>;
let browser: Browser;
let fx: Fixture;
let api: TestServer;
const errors: string[] = [];

beforeAll(async () => {
  if (!dashboardBuilt(DASHBOARD)) execSync('npm run -s build:dashboard', { stdio: 'inherit' });
  const db = await throwawayDatabase();
  drop = db.drop;
  server = await startServer({
    port: 0, host: '127.0.0.1', dashboardDir: DASHBOARD, scheduleJobs: false, sqliteFile: db.sqliteFile,
    config: {
      dataDir: db.dataDir, databaseUrl: db.databaseUrl, seedDemo: false, liveIntervalMs: 100, minPublicRatings: 0,
      piiKey: Buffer.alloc(32, 7).toString('base64'), piiKeyId: 'test', authSecret: 'workspace-secret-workspace-secret-ws',
    },
  });
  // The test fixture needs only the app and a way to call the API.
  api = {
    ...server, clock: { now: () => new Date() },
    gql: (q: string, v?: Record<string, unknown>, a?: { token?: string; apiKey?: string }) => gql(server.url, q, v, a),
  } as unknown as TestServer;
  fx = await makeFixture(api);
  await createUser(server.app.orm.em.fork() as Em, { username: 'hotline', password: 'hotline-pass', role: 'hotline', displayName: '12345热线话务员', regionCode: CITY }, Date.now());
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await drop?.();
});

async function newPage(name: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  collectErrors(page, errors, name);
  return page;
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${server.url}/workspace`);
  await page.fill('#ws-username', username);
  await page.fill('#ws-password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=ws-user]');
}

/** Opens one action's form, fills it and waits until the case reaches the expected state. */
async function takeAction(page: Page, action: string, fill: () => Promise<void>, expectState: string): Promise<void> {
  await page.click(`.actions button[data-action=${action}]`);
  await page.waitForSelector(`form[data-form=${action}]`);
  await fill();
  await page.click('[data-testid=ws-submit]');
  await page.waitForSelector(`[data-testid=ws-state][data-state=${expectState}]`);
}

describe('department workspace (issue 4, item 7)', () => {
  it('handles one bad review from dispatch to the 12345 callback (R13–R17)', async () => {
    // A bad review arrives from the market department's business system (R13).
    const reg = await registerService(api, fx, { userName: '张小三', mobile: '13812341234' });
    const projectNo = reg.data!.registerService.projectNo;
    const rated = await submit(api, { projectNo, serviceNumber: 1, level: 1, tags: ['115'], comment: '窗口人员态度生硬，让我跑了三趟' }, { apiKey: fx.keys.market });
    expect(rated.errors).toBeUndefined();

    // The department officer finds it in the queue, with its clock.
    const officer = await newPage('officer');
    await signIn(officer, 'market', 'market-pass');
    await officer.waitForSelector(`[data-testid=ws-queue] td:text("${projectNo}")`);
    expect(await officer.textContent('[data-testid=ws-queue] tbody tr')).toContain('剩余');
    expect(await axeViolations(officer)).toEqual([]);
    await officer.click(`[data-testid=ws-queue] tbody tr:has(td:text("${projectNo}")) a`);
    await officer.waitForSelector('[data-testid=ws-state][data-state=OPENED]');
    // The rating is shown, the rater is not (R12).
    expect(await officer.textContent('[data-testid=ws-level]')).toContain('非常不满意');
    expect(await officer.textContent('[data-testid=ws-rater]')).not.toContain('张');
    expect(await officer.textContent('.summary')).toContain('让我跑了三趟');

    await takeAction(officer, 'DISPATCH', async () => {
      await officer.fill('#f-handler', '综合科 王科长');
      await officer.fill('#f-note', '请三日内核实');
      await officer.setInputFiles('#f-files', [{ name: '转办单.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') }]);
    }, 'DISPATCHED');
    await takeAction(officer, 'VERIFY', async () => {
      await officer.check('input[name=finding][value=FOUNDED]');
    }, 'VERIFIED');
    await takeAction(officer, 'CLASSIFY', async () => {
      await officer.selectOption('#f-class', 'GENERAL');
      await officer.fill('#f-proposed', '约谈当班人员并开展培训');
    }, 'CLASSIFIED');
    await takeAction(officer, 'RECTIFY', async () => {
      await officer.fill('#f-content', '已约谈当班人员，开展服务规范培训，推行一次性告知');
    }, 'RECTIFIED');
    await takeAction(officer, 'FEED_BACK', async () => {
      await officer.fill('#f-reply', '感谢您的监督，我们已对相关人员进行培训并改进服务。');
    }, 'FED_BACK');
    const steps = await officer.$$eval('[data-testid=ws-history] li', (items) => items.map((li) => li.getAttribute('data-action')));
    expect(steps).toEqual(['OPEN', 'DISPATCH', 'VERIFY', 'CLASSIFY', 'RECTIFY', 'FEED_BACK']);
    expect(await officer.textContent('[data-testid=ws-history]')).toContain('转办单.pdf');
    expect(await axeViolations(officer)).toEqual([]);
    await officer.screenshot({ path: screenshotPath('workspace-case-officer.png'), fullPage: true });

    // The 12345 operator sees the callbacks due, the contact data on request (audited), and records the result.
    const hotline = await newPage('hotline');
    await signIn(hotline, 'hotline', 'hotline-pass');
    await hotline.waitForSelector(`[data-testid=ws-queue] td:text("${projectNo}")`);
    await hotline.click(`[data-testid=ws-queue] tbody tr:has(td:text("${projectNo}")) a`);
    await hotline.waitForSelector('[data-testid=ws-state][data-state=FED_BACK]');
    await hotline.click('[data-testid=ws-reveal]');
    await hotline.waitForSelector('[data-testid=ws-contact]');
    expect(await hotline.textContent('[data-testid=ws-contact]')).toBe('张小三 · 13812341234');
    await takeAction(hotline, 'CALL_BACK', async () => {
      await hotline.check('input[name=reached][value=true]');
      await hotline.selectOption('#f-satisfaction', '4');
      await hotline.fill('#f-note', '群众对整改表示满意');
    }, 'CALLED_BACK');
    await hotline.screenshot({ path: screenshotPath('workspace-case-callback.png'), fullPage: true });

    // Back on the officer's page: after a reload (the session lasts for the tab) the case waits to be closed.
    await officer.reload();
    await officer.waitForSelector('[data-testid=ws-state][data-state=CALLED_BACK]');
    await takeAction(officer, 'CLOSE', async () => undefined, 'CLOSED');

    const em = server.app.orm.em.fork() as Em;
    const [row] = await em.execute<Array<{ id: number; state: string; callback_satisfaction: number }>>(
      'select id, state, callback_satisfaction from rect_case where project_no = ?', [projectNo],
    );
    expect(row).toMatchObject({ state: 'CLOSED', callback_satisfaction: 4 });
    const audit = await em.execute<Array<{ n: number | string }>>('select count(*) as n from audit_log where subject = ?', [`rect_case:${row!.id}`]);
    expect(Number(audit[0]!.n)).toBe(1);
    expect(errors).toEqual([]);
  });

  it('shows the supervisor the appeals and the overdue cases', async () => {
    const page = await newPage('supervisor');
    await signIn(page, 'super', 'super-pass');
    await page.click('nav a:text("申诉复核")');
    await page.waitForSelector('[data-testid=ws-total]');
    await page.click('nav a:text("超期工单")');
    await page.waitForURL(/\/workspace\/overdue$/);
    await page.click('nav a:text("整改考核")');
    await page.waitForSelector('[data-metric=rectificationRate] strong');
    expect(await page.textContent('[data-metric=rectificationRate] strong')).toBe('100.0%');
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
