import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { RunningServer } from '../../server/src/app/server.js';
import { totpCode } from '../../server/src/auth/totp.js';
import { makeFixture, type Fixture } from '../support/fixture.js';
import { apiOf, axeViolations, collectErrors, startDashboardServer, launchChromium, screenshotPath } from './browser.js';

// 身份鉴别, 访问控制, 安全审计 in the workspace: with the second factor required, the security administrator
// enrols TOTP at the first sign-in and creates an account, its owner changes the initial password and enrols
// too, and the auditor reads the audit trail of both; each sees only the pages of the role. Debian's Chromium
// against a real server serving the built dashboard.

let server: RunningServer;
let drop: () => Promise<void>;
let browser: Browser;
let fx: Fixture;
const errors: string[] = [];

beforeAll(async () => {
  ({ server, drop } = await startDashboardServer({ requireTotp: true }));
  const api = apiOf(server);
  fx = await makeFixture(api);
  // The fixture has the security administrator and the auditor (security / security-pass, auditor / auditor-pass).
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

async function fillSignIn(page: Page, username: string, password: string): Promise<void> {
  await page.goto(`${server.url}/workspace`);
  await page.fill('#ws-username', username);
  await page.fill('#ws-password', password);
  await page.click('button[type=submit]');
}

/**
 * The enrolment a limited session shows: the QR code is drawn, the secret is shown as text; the code of the
 * previous 30-second step confirms it (one step of drift is accepted), so the sign-in that follows can use
 * the current step's code without waiting (a code is accepted once).
 */
async function enrolAndSignIn(page: Page, screenshot?: string): Promise<void> {
  await page.waitForSelector('[data-testid=ws-totp-enroll]');
  await page.click('[data-testid=ws-totp-start]');
  await page.waitForSelector('[data-testid=ws-totp-secret]');
  const secret = (await page.locator('[data-testid=ws-totp-secret]').innerText()).trim();
  await expect.poll(() => page.locator('[data-testid=ws-totp-qr]').evaluate((c) => (c as HTMLCanvasElement).width)).toBeGreaterThan(100);
  if (screenshot) {
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath(screenshot), fullPage: true });
  }
  await page.fill('#totp-code', await totpCode(secret, Date.now() - 30_000));
  await page.click('[data-testid=ws-totp-enroll] button[type=submit]');
  await page.waitForSelector('#ws-totp');
  await page.fill('#ws-totp', await totpCode(secret, Date.now()));
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=ws-user]');
}

const navTexts = (page: Page) => page.locator('.ws-head nav a').allInnerTexts();

describe('accounts and audit in the workspace', () => {
  it('the security administrator enrols TOTP and creates a department officer, who must change the initial password and enrol first', async () => {
    const page = await newPage('security');
    await fillSignIn(page, 'security', 'security-pass');
    await enrolAndSignIn(page, 'workspace-totp-enrol.png');
    await page.waitForSelector('[data-testid=ws-users]');
    expect(await navTexts(page)).toEqual(['账号管理', '接口密钥', '修改密码']);

    await page.fill('#u-username', 'clerk01');
    await page.fill('#u-name', '窗口经办员');
    await page.selectOption('#u-role', 'department');
    await page.fill('#u-region', fx.departments.police.regionCode);
    await page.click('text=按区划查询部门');
    await page.selectOption('select#u-dept', String(fx.departments.police.id));
    // A weak initial password is refused with the rule it breaks.
    await page.fill('#u-password', 'password123');
    await page.click('[data-testid=ws-user-form] button[type=submit]');
    await expect.poll(() => page.locator('.users [role=alert]').innerText()).toMatch(/弱口令|至少3类/);
    await page.fill('#u-password', 'Hcp#2026start');
    await page.click('[data-testid=ws-user-form] button[type=submit]');
    await page.waitForSelector('tr[data-user=clerk01]');
    const row = await page.locator('tr[data-user=clerk01]').innerText();
    expect(row).toContain('窗口经办员');
    expect(row).toContain('部门经办');
    expect(row).toContain('待改密码');
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('workspace-accounts-security.png'), fullPage: true });

    // The new officer's first sign-in only allows the password change; then the workspace opens.
    const clerk = await newPage('clerk');
    await fillSignIn(clerk, 'clerk01', 'Hcp#2026start');
    await clerk.waitForSelector('[data-testid=ws-change-password]');
    expect(await clerk.locator('#pw-rules').innerText()).toContain('至少8个字符');
    await clerk.fill('#pw-next', 'Qing!2026river');
    await clerk.fill('#pw-again', 'Qing!2026river');
    await clerk.click('[data-testid=ws-change-password] button[type=submit]');
    await enrolAndSignIn(clerk);
    expect(await clerk.locator('[data-testid=ws-user]').innerText()).toBe('窗口经办员');
    expect(await navTexts(clerk)).not.toContain('账号管理');

    // 接口密钥: a new key's secret is shown once with a warning; rotating shows the new one; revoking asks first.
    await page.click('.ws-head nav a:text("接口密钥")');
    await page.waitForSelector('[data-testid=ws-keys]');
    await page.selectOption('#k-role', 'system');
    await page.fill('#k-name', '公安局业务系统');
    await page.fill('#k-dept', String(fx.departments.police.id));
    await page.click('.create button[type=submit]');
    await page.waitForSelector('[data-testid=ws-key-secret]');
    const box = page.locator('[data-testid=ws-key-secret]');
    expect(await box.innerText()).toContain('密钥只显示这一次');
    const first = (await box.locator('code').innerText()).trim();
    expect(first.length).toBeGreaterThan(20);
    const keyRow = page.locator('[data-testid=ws-keys] tr', { hasText: '公安局业务系统' });
    expect(await keyRow.innerText()).toContain('有效');
    await page.click('text=我已保存');
    expect(await box.count()).toBe(0);
    await keyRow.locator('button:text("轮换")').click();
    await keyRow.locator('input[type=number]').fill('5');
    await keyRow.locator('button:text("确认轮换")').click();
    await page.waitForSelector('[data-testid=ws-key-secret]');
    expect((await box.locator('code').innerText()).trim()).not.toBe(first);
    await page.screenshot({ path: screenshotPath('workspace-keys-security.png'), fullPage: true });
    await page.click('text=我已保存');
    const rotated = page.locator('[data-testid=ws-keys] tr', { hasText: '公安局业务系统' }).filter({ hasText: '有效' });
    page.once('dialog', (d) => void d.accept());
    await rotated.locator('button:text("吊销")').click();
    await expect.poll(() => page.locator('[data-testid=ws-keys] tr', { hasText: '公安局业务系统' }).filter({ hasText: '已吊销' }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await page.close();
    await clerk.close();
  }, 120_000);

  it('the auditor sees the audit trail of the sign-ins and the new account, and only the audit page', async () => {
    const page = await newPage('auditor');
    await fillSignIn(page, 'auditor', 'auditor-pass');
    await page.waitForSelector('[data-testid=ws-audit]');
    expect(await navTexts(page)).toEqual(['审计日志', '修改密码']);
    const actions = await page.locator('[data-testid=ws-audit] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
    expect(actions).toContain('user.create');
    expect(actions).toContain('user.change-password');
    expect(actions).toContain('sign-in.success');
    expect(actions).toContain('user.totp-enable');
    expect(actions).toContain('api-key.create');

    await page.fill('#a-action', 'user.create');
    await page.click('.filter button[type=submit]');
    await expect
      .poll(() => page.locator('[data-testid=ws-audit] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action'))))
      .toEqual(['user.create']);
    await page.fill('#a-action', '');
    await page.click('.filter button[type=submit]');
    await expect.poll(() => page.locator('[data-testid=ws-audit] tbody tr').count()).toBeGreaterThan(3);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('workspace-audit-auditor.png'), fullPage: true });
    await page.close();
    expect(errors).toEqual([]);
  }, 120_000);
});
