import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../../server/src/app/server.js';
import type { Em } from '../../server/src/db/orm.js';
import { DEMO_CREDENTIALS } from '../../seeds/seeder.js';
import { gql, type Auth } from '../support/server.js';
import { axeViolations, collectErrors, launchChromium, screenshotPath, startDashboardServer } from './browser.js';

// R21–R23: the demo city's bulletin (通报) for last month, generated and approved through the API, then
// read on the public page (/bulletin) and in the bulletin variant of the portal widget, in Chromium
// against the built dashboard (the demo city as `npm start` seeds it: 20,000 ratings over a year).
// Personal data never appears there.

let server: RunningServer;
let drop: () => Promise<void>;
let browser: Browser;
const errors: string[] = [];
let city: { code: string; name: string };
let period: string;
let content: {
  title: string;
  headline: { total: number };
  ranking: Array<{ rank: number | null; name: string }>;
  regionRanking: Array<{ rank: number | null; name: string }>;
};

async function call<T>(query: string, variables: Record<string, unknown>, auth: Auth = {}): Promise<T> {
  const res = await gql<T>(server.url, query, variables, auth);
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data;
}

beforeAll(async () => {
  ({ server, drop } = await startDashboardServer({ seedDemo: true, seedRatings: 20_000 }));
  const em = server.app.orm.em.fork() as Em;
  city = (await em.execute<Array<{ code: string; name: string }>>(`select code, name from region where level = 'CITY' order by code limit 1`))[0]!;
  const now = new Date(Date.now() + 8 * 3_600_000);
  const last = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  period = last.toISOString().slice(0, 7);
  const { supervisor } = DEMO_CREDENTIALS;
  const token = (
    await call<{ login: { token: string } }>('mutation ($u: String!, $p: String!) { login(username: $u, password: $p) { token } }', {
      u: supervisor.username,
      p: supervisor.password,
    })
  ).login.token;
  const b = (
    await call<{ generateBulletin: { id: number; content: string } }>(
      'mutation ($r: String!, $p: String!) { generateBulletin(regionCode: $r, period: $p) { id content } }',
      { r: city.code, p: period },
      { token },
    )
  ).generateBulletin;
  content = JSON.parse(b.content) as typeof content;
  await call('mutation ($id: Int!) { approveBulletin(id: $id) { id status } }', { id: b.id }, { token });
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await drop?.();
});

describe('the published bulletin (公开)', () => {
  it("shows the demo city's approved bulletin for last month: headline figures and composite rankings (R21, R22)", async () => {
    expect(content.headline.total).toBeGreaterThan(0);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    collectErrors(page, errors, 'bulletin');
    await page.goto(`${server.url}/bulletin?region=${city.code}&period=${period}`);
    await page.waitForSelector('[data-testid=bulletin-headline]');
    expect(await page.textContent('[data-testid=bulletin-body] h2')).toBe(content.title);
    const headline = await page.textContent('[data-testid=bulletin-headline]');
    expect(headline).toContain('评价总数');
    expect(headline).toContain(String(content.headline.total));
    const body = (await page.textContent('[data-testid=bulletin-body]'))!;
    expect(body).toContain('二、综合排名');
    // The first ranked unit (or, with too small samples, the first listed) is on the page.
    const all = [...content.regionRanking, ...content.ranking];
    expect(all.length).toBeGreaterThan(0);
    expect(body).toContain((all.find((r) => r.rank === 1) ?? all[0]!).name);
    // No one's mobile on the page (R12): no run of 11 digits starting with 1.
    expect(body).not.toMatch(/(?<!\d)1\d{10}(?!\d)/);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('bulletin-demo-last-month.png'), fullPage: true });
    await page.close();
  });

  it('shows the latest approved bulletin’s ranking in the embeddable widget variant (R21)', async () => {
    const page = await browser.newPage({ viewport: { width: 420, height: 700 } });
    collectErrors(page, errors, 'bulletin-widget');
    await page.goto(`${server.url}/widget/bulletin?region=${city.code}`);
    await page.waitForSelector('[data-testid=bulletin-widget][data-state=loaded]');
    expect(await page.textContent('[data-testid=bulletin-widget-headline]')).toContain(String(content.headline.total));
    const rows = content.regionRanking.length ? content.regionRanking : content.ranking;
    const list = (await page.textContent('[data-testid=bulletin-widget-ranking]'))!;
    for (const r of rows.slice(0, 3)) expect(list).toContain(r.name);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('bulletin-widget.png'), fullPage: true });
    await page.close();
    expect(errors).toEqual([]);
  });
});
