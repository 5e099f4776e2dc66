import { writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/app/server.js';
import { ServiceSchema } from '../../server/src/case/case.entities.js';
import type { Em } from '../../server/src/db/orm.js';
import { RatingSchema } from '../../server/src/rating/rating.entity.js';
import { makeFixture, sessionToken, type Fixture } from '../support/fixture.js';
import { operation } from '../support/operations.js';
import { gql, type TestServer } from '../support/server.js';
import { newService, ratingToken, submit } from '../support/services.js';
import { apiOf, axeViolations, collectErrors, startDashboardServer, launchChromium, screenshotPath } from './browser.js';

// R9 in a real browser against a real server with follow-ups on (FOLLOW_UP_DAYS = 7): the rating page
// sends its answer with a submissionId made once, so a resend after a lost reply gets the stored rating
// back; the thank-you offers the rater's follow-up link; the follow-up page adds the one follow-up
// (追评) as its own step; the window evaluator shows the follow-up link as a QR code once its answer
// is delivered. Waits on the pages, never sleeps.

let server: RunningServer;
let drop: () => Promise<void>;
let api: TestServer;
let fx: Fixture;
let browser: Browser;
const errors: string[] = [];

beforeAll(async () => {
  ({ server, drop } = await startDashboardServer({ followUpDays: 7 }));
  api = apiOf(server);
  fx = await makeFixture(api);
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await drop?.();
});

/** First ratings (assessNumber 1) and follow-ups (2) stored for a service, read from the database. */
async function stored(projectNo: string): Promise<{ first: number; followUps: number }> {
  const em = server.app.orm.em.fork() as Em;
  const service = await em.findOneOrFail(ServiceSchema, { projectNo });
  return {
    first: await em.count(RatingSchema, { serviceId: service.id, assessNumber: 1 }),
    followUps: await em.count(RatingSchema, { serviceId: service.id, assessNumber: 2 }),
  };
}

async function phone(name: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();
  collectErrors(page, errors, name);
  return page;
}

describe('rating, then one follow-up (追评) from the rater’s link (R9)', () => {
  let service: { projectNo: string; serviceNumber: number };
  let token: string;
  let submissionId: string;
  let followUpHref: string;
  let page: Page;

  it('sends the first answer once: a resend after a lost reply carries the same submissionId and stores nothing new', async () => {
    service = await newService(api, fx);
    token = await ratingToken(api, fx, service);
    page = await phone('rate');
    await page.goto(`${server.url}/rate?t=${encodeURIComponent(token)}`);
    await page.waitForSelector('[data-testid=rate][data-phase=form]');
    await page.click('label[data-level="5"]');
    await page.fill('#comment', '办理很快');
    // The first submission reaches the server but its reply is lost: the page sends the same answer again.
    const ids: string[] = [];
    await page.route('**/graphql', async (route) => {
      const body = route.request().postDataJSON() as { query: string; variables: { input?: { submissionId?: string } } };
      if (!body.query.includes('SubmitEvaluation')) return route.continue();
      ids.push(body.variables.input!.submissionId!);
      if (ids.length > 1) return route.continue();
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.click('[data-testid=rate-submit]');
    await page.waitForSelector('[data-testid=rate-done]');
    expect(ids).toHaveLength(2);
    expect(ids[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(ids[1]).toBe(ids[0]);
    submissionId = ids[0]!;
    await page.unroute('**/graphql');
    expect(await stored(service.projectNo)).toEqual({ first: 1, followUps: 0 });
  });

  it('offers the follow-up link with its end date, a copy button and a hint to save it', async () => {
    // The resend got the stored rating back (not ALREADY_RATED), with its follow-up token.
    const offer = await page.waitForSelector('[data-testid=follow-up-offer]');
    const text = (await offer.textContent()) ?? '';
    expect(text).toContain('追评');
    expect(text).toMatch(/\d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d（北京时间）/);
    expect(text).toContain('请保存此链接');
    followUpHref = (await page.getAttribute('[data-testid=follow-up-link]', 'href'))!;
    expect(followUpHref.startsWith(`${server.url}/followup?t=`)).toBe(true);
    await page.click('[data-testid=follow-up-copy]');
    await page.waitForSelector('[data-testid=follow-up-offer] [role=status]');
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(followUpHref);
    expect(await axeViolations(page)).toEqual([]);
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: screenshotPath('follow-up-offer-390x844@2x.png'), fullPage: true });

    // Reopening the receipt still shows the thanks and the offer, kept on the phone.
    await page.reload();
    await page.waitForSelector('[data-testid=follow-up-offer]');
    expect(await page.getAttribute('[data-testid=follow-up-link]', 'href')).toBe(followUpHref);
  });

  it('adds the one follow-up on the follow-up page, as its own step', async () => {
    await page.goto(followUpHref);
    await page.waitForSelector('[data-testid=follow-up][data-phase=form]');
    expect(await page.textContent('.ticket')).toContain(service.projectNo);
    await page.click('label[data-level="2"]');
    await page.waitForSelector('#tags .tag');
    // A bad follow-up needs a tag or a comment, as a bad first rating does.
    await page.click('[data-testid=follow-up-submit]');
    await page.waitForSelector('[data-testid=follow-up-error]');
    await page.click('#tags .tag >> nth=0');
    await page.fill('#comment', '材料退回后一直没有人联系');
    expect(await axeViolations(page)).toEqual([]);
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: screenshotPath('follow-up-390x844@2x.png'), fullPage: true });
    await page.click('[data-testid=follow-up-submit]');
    await page.waitForSelector('[data-testid=follow-up-done]');
    expect(await axeViolations(page)).toEqual([]);
    expect(await stored(service.projectNo)).toEqual({ first: 1, followUps: 1 });
  });

  it('stores exactly one first rating and one follow-up, whatever is resent or tried again', async () => {
    // The first answer resent with its submissionId gets the stored rating back; nothing new is stored.
    const resent = await submit(api, { token, level: 5, comment: '办理很快', submissionId });
    expect(resent.errors).toBeUndefined();
    expect(resent.data!.submitEvaluation.assessNumber).toBe(1);
    // Another phone with the same link is told plainly that the follow-up was already added.
    const other = await phone('follow-up-again');
    await other.goto(followUpHref);
    await other.waitForSelector('[data-testid=follow-up][data-phase=form]');
    await other.click('label[data-level="4"]');
    await other.click('[data-testid=follow-up-submit]');
    await other.waitForSelector('[data-testid=follow-up][data-phase=used]');
    expect(await other.textContent('[data-testid=follow-up-problem]')).toContain('已经追评过了');
    // Checked as the admin over GraphQL too: the service shows one first rating, and its follow-up apart.
    const admin = await sessionToken(api, 'admin', 'admin-pass');
    const read = await gql<{ rating: { id: number; level: number } | null }>(
      server.url,
      operation('read-rating'),
      { id: resent.data!.submitEvaluation.id },
      { token: admin },
    );
    expect(read.data!.rating).toMatchObject({ level: 5 });
    expect(await stored(service.projectNo)).toEqual({ first: 1, followUps: 1 });
    // A broken link is not a form.
    await other.goto(`${server.url}/followup?t=not-a-token`);
    await other.waitForSelector('[data-testid=follow-up][data-phase=invalid]');
    await other.context().close();
    await page.context().close();
  });
});

describe('window evaluator: the follow-up QR code on the thank-you (R7, R9)', () => {
  it('shows the rater’s follow-up link as a QR code once the answer is delivered, then returns to idle', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, hasTouch: true });
    const page = await context.newPage();
    collectErrors(page, errors, 'window');
    // The thank-you with the QR code stays 8 s instead of 20 (the page's followUpMs): the return to idle is what is checked.
    await page.goto(`${server.url}/window/${fx.window.id}?followUpMs=8000`);
    await page.waitForSelector('[data-testid=device-setup]');
    await page.fill('#device-key', fx.keys.window);
    await page.click('[data-testid=device-setup] button[type=submit]');
    await page.waitForSelector('[data-testid=connection][data-state=connected]');
    const service = await newService(api, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
    expect((await api.gql(operation('present-rating'), service, { apiKey: fx.keys.market })).errors).toBeUndefined();
    await page.waitForSelector('[data-testid=device-rating]');
    await page.click('label[data-level="4"]');
    await page.click('[data-testid=device-submit]');
    await page.waitForSelector('[data-testid=device-thanks][data-status=sent]');
    const qr = await page.waitForSelector('[data-testid=device-follow-up]');
    const link = (await qr.getAttribute('data-link'))!;
    expect(link.startsWith(`${server.url}/followup?t=`)).toBe(true);
    expect(await page.textContent('[data-testid=device-follow-up]')).toContain('追评');
    expect(await axeViolations(page)).toEqual([]);
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: screenshotPath('window-follow-up-qr-1280x800.png') });

    // The link the QR code carries opens the follow-up page for this service.
    const rater = await phone('window-follow-up');
    await rater.goto(link);
    await rater.waitForSelector('[data-testid=follow-up][data-phase=form]');
    expect(await rater.textContent('.ticket')).toContain(service.projectNo);
    await rater.context().close();

    await page.waitForSelector('[data-testid=device-idle]', { timeout: 40_000 });
    expect(await stored(service.projectNo)).toEqual({ first: 1, followUps: 0 });
    await context.close();
  });

  it('has no console errors on any page', () => {
    writeFileSync(screenshotPath('follow-up-errors.json'), `${JSON.stringify(errors, null, 2)}\n`);
    // The one reply the first test drops on purpose is the only error a page may log.
    expect(errors.filter((e) => !e.includes('net::ERR_CONNECTION_RESET'))).toEqual([]);
  });
});
