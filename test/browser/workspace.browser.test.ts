import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createUser } from '../../server/src/auth/auth.service.js';
import type { Em } from '../../server/src/db/orm.js';
import type { RunningServer } from '../../server/src/app/server.js';
import { CITY, makeFixture, type Fixture } from '../support/fixture.js';
import type { TestServer } from '../support/server.js';
import { registerService, submit } from '../support/services.js';
import { MessageStandIn } from '../server/rectification/rect-support.js';
import { apiOf, axeViolations, collectErrors, startDashboardServer, launchChromium, screenshotPath } from './browser.js';

// R13–R17: one bad review handled in the department workspace from dispatch to the 12345 callback, and
// the rater rating the fix from the link in the reply's SMS, in Debian's Chromium against a real server
// serving the built dashboard. Waits on the page, never sleeps.

let server: RunningServer;
let drop: () => Promise<void>;
let browser: Browser;
let fx: Fixture;
let api: TestServer;
let messages: MessageStandIn;
const errors: string[] = [];

beforeAll(async () => {
  // The reply reaches the rater through the real notifiers, posting to a local SMS gateway and portal stand-in.
  messages = await new MessageStandIn().start();
  ({ server, drop } = await startDashboardServer({ smsGatewayUrl: `${messages.url}/sms`, portalMessageUrl: `${messages.url}/portal` }));
  // The test fixture needs only the app and a way to call the API.
  api = apiOf(server);
  fx = await makeFixture(api);
  await createUser(
    server.app.orm.em.fork() as Em,
    { username: 'hotline', password: 'hotline-pass', role: 'hotline', displayName: '12345热线话务员', regionCode: CITY },
    Date.now(),
    server.app.config.passwordHashCost,
  );
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await messages?.close();
  await drop?.();
});

/** A phone, as the rater opens the link from the SMS. */
async function phonePage(name: string, into = errors): Promise<Page> {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const page = await phone.newPage();
  collectErrors(page, into, name);
  return page;
}

/** Chooses a level on the re-rating page and sends it; resolves once the page shows how it ended. */
async function rerate(page: Page, level: number): Promise<string> {
  await page.waitForSelector('[data-testid=rerate][data-phase=form]');
  await page.click(`label[data-level="${level}"]`);
  await page.click('[data-testid=rerate-submit]');
  await page.waitForSelector('[data-testid=rerate]:not([data-phase=form]):not([data-phase=sending])');
  return (await page.getAttribute('[data-testid=rerate]', 'data-phase'))!;
}

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

describe('department workspace (R13–R17)', () => {
  it('handles one bad review from dispatch to the 12345 callback (R13–R17)', async () => {
    // A bad review arrives from the market department's business system (R13).
    const reg = await registerService(api, fx, { userName: '张小三', mobile: '13812341234' });
    const projectNo = reg.data!.registerService.projectNo;
    const rated = await submit(
      api,
      { projectNo, serviceNumber: 1, level: 1, tags: ['115'], comment: '窗口人员态度生硬，让我跑了三趟' },
      { apiKey: fx.keys.market },
    );
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

    await takeAction(
      officer,
      'DISPATCH',
      async () => {
        await officer.fill('#f-handler', '综合科 王科长');
        await officer.fill('#f-note', '请三日内核实');
        await officer.setInputFiles('#f-files', [{ name: '转办单.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4') }]);
      },
      'DISPATCHED',
    );
    await takeAction(
      officer,
      'VERIFY',
      async () => {
        await officer.check('input[name=finding][value=FOUNDED]');
      },
      'VERIFIED',
    );
    await takeAction(
      officer,
      'CLASSIFY',
      async () => {
        await officer.selectOption('#f-class', 'GENERAL');
        await officer.fill('#f-proposed', '约谈当班人员并开展培训');
      },
      'CLASSIFIED',
    );
    await takeAction(
      officer,
      'RECTIFY',
      async () => {
        await officer.fill('#f-content', '已约谈当班人员，开展服务规范培训，推行一次性告知');
      },
      'RECTIFIED',
    );
    await takeAction(
      officer,
      'FEED_BACK',
      async () => {
        await officer.fill('#f-reply', '感谢您的监督，我们已对相关人员进行培训并改进服务。');
      },
      'FED_BACK',
    );
    const steps = await officer.$$eval('[data-testid=ws-history] li', (items) => items.map((li) => li.getAttribute('data-action')));
    expect(steps).toEqual(['OPEN', 'DISPATCH', 'VERIFY', 'CLASSIFY', 'RECTIFY', 'FEED_BACK']);
    expect(await officer.textContent('[data-testid=ws-history]')).toContain('转办单.pdf');
    expect(await axeViolations(officer)).toEqual([]);
    await officer.screenshot({ path: screenshotPath('workspace-case-officer.png'), fullPage: true });

    // The reply reaches the rater by SMS (and portal message) with the link to rate the fix (R17).
    await messages.waitFor(2);
    const sms = messages.received.find((m) => m.path === '/sms');
    expect(sms?.body.mobile).toBe('13812341234');
    const link = /\/rerate\?t=\S+/.exec(String(sms?.body.text))?.[0];
    expect(link).toBeTruthy();
    expect(messages.received.find((m) => m.path === '/portal')?.body.text).toContain(link);

    // The rater opens it on a phone and rates the fix. The first answer is lost on the way back: the page
    // keeps the rating, sends it again, and takes the server's "already re-rated" as its own success.
    const rerateErrors: string[] = [];
    const phone = await phonePage('rerate', rerateErrors);
    await phone.goto(server.url + link!);
    await phone.waitForSelector('[data-testid=rerate][data-phase=form]');
    // Before the levels, the page shows what is being rated: the matter, the department and the reply.
    const ticket = await phone.textContent('[data-testid=rerate-ticket]');
    expect(ticket).toContain(projectNo);
    expect(ticket).toContain('答复内容');
    expect(await axeViolations(phone)).toEqual([]);
    await phone.evaluate(() => document.fonts.ready);
    await phone.screenshot({ path: screenshotPath('rerate-form-390x844@2x.png'), fullPage: true });
    let sent = 0;
    await phone.route('**/graphql', async (route) => {
      if (!route.request().postData()?.includes('RerateRectification')) return route.continue();
      sent += 1;
      if (sent > 1) return route.continue();
      await route.fetch();
      await route.abort('connectionreset');
    });
    expect(await rerate(phone, 4)).toBe('done');
    expect(sent).toBe(2);
    expect(await phone.textContent('[data-testid=rerate-done]')).toContain('感谢');
    expect(await axeViolations(phone)).toEqual([]);
    await phone.screenshot({ path: screenshotPath('rerate-done-390x844@2x.png'), fullPage: true });
    // The only console message allowed is the network error the test itself caused.
    expect(rerateErrors.filter((e) => !e.includes('net::ERR_CONNECTION_RESET'))).toEqual([]);
    expect(rerateErrors.length).toBeLessThanOrEqual(1);
    // Reopened, the phone remembers the thanks; the link opened anywhere else is used up.
    await phone.reload();
    await phone.waitForSelector('[data-testid=rerate-done]');
    const elsewhere = await phonePage('rerate-again');
    await elsewhere.goto(server.url + link!);
    // The link's ticket says so before anything is chosen.
    await elsewhere.waitForSelector('[data-testid=rerate][data-phase=used]');
    expect(await axeViolations(elsewhere)).toEqual([]);
    // A link past its validity (rerate.ttlDays) says so, in English too.
    const caseId = Number(new URL(officer.url()).pathname.split('/').pop());
    const expired = await server.app.tokens.sign('rerate', String(caseId), -60);
    const late = await phonePage('rerate-expired');
    await late.goto(`${server.url}/rerate?lang=en&t=${encodeURIComponent(expired.token)}`);
    await late.waitForSelector('[data-testid=rerate][data-phase=expired]');
    expect(await late.textContent('[data-testid=rerate-problem]')).toContain('expired');
    expect(await axeViolations(late)).toEqual([]);
    await late.evaluate(() => document.fonts.ready);
    await late.screenshot({ path: screenshotPath('rerate-expired-en-390x844@2x.png'), fullPage: true });

    // The 12345 operator sees the callbacks due, the contact data on request (audited), and records the result.
    const hotline = await newPage('hotline');
    await signIn(hotline, 'hotline', 'hotline-pass');
    await hotline.waitForSelector(`[data-testid=ws-queue] td:text("${projectNo}")`);
    await hotline.click(`[data-testid=ws-queue] tbody tr:has(td:text("${projectNo}")) a`);
    await hotline.waitForSelector('[data-testid=ws-state][data-state=FED_BACK]');
    await hotline.click('[data-testid=ws-reveal]');
    await hotline.waitForSelector('[data-testid=ws-contact]');
    expect(await hotline.textContent('[data-testid=ws-contact]')).toBe('张小三 · 13812341234');
    await takeAction(
      hotline,
      'CALL_BACK',
      async () => {
        await hotline.check('input[name=reached][value=true]');
        await hotline.selectOption('#f-satisfaction', '4');
        await hotline.fill('#f-note', '群众对整改表示满意');
      },
      'CALLED_BACK',
    );
    await hotline.screenshot({ path: screenshotPath('workspace-case-callback.png'), fullPage: true });

    // Back on the officer's page: after a reload (the session lasts for the tab) the case waits to be closed.
    await officer.reload();
    await officer.waitForSelector('[data-testid=ws-state][data-state=CALLED_BACK]');
    // The rater's own rating of the fix is on the case, once.
    expect(await officer.textContent('[data-testid=ws-rerate]')).toBe('满意');
    expect(await officer.$$eval('[data-testid=ws-history] li[data-action=RERATE]', (items) => items.length)).toBe(1);
    await takeAction(officer, 'CLOSE', async () => undefined, 'CLOSED');

    const em = server.app.orm.em.fork() as Em;
    const [row] = await em.execute<Array<{ id: number; state: string; callback_satisfaction: number; rerate_level: number; rerate_channel: string }>>(
      'select id, state, callback_satisfaction, rerate_level, rerate_channel from rect_case where project_no = ?',
      [projectNo],
    );
    expect(row).toMatchObject({ state: 'CLOSED', callback_satisfaction: 4, rerate_level: 4, rerate_channel: 'SELF' });
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
    // The same workspace in English.
    await page.click('[data-testid=ws-lang]');
    await page.waitForSelector('html[lang=en] nav a:text("Appeals")');
    expect(await page.textContent('#ws-figures-h')).toBe('Rectification figures');
    expect(await page.textContent('[data-metric=rectificationRate] span')).toBe('Rectification rate');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('workspace-figures-en.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});
