import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';
import { countRows } from '../../support/rollups.js';
import { addMonths, isRising, themeTerms } from '../../../server/src/integrity/themes.logic.js';

let server: TestServer;
let fx: Fixture;
let tokens: { super: string; market: string; police: string };

async function comment(text: string, level = 2, deptCode?: string, taskCode?: string, key?: string): Promise<void> {
  const service = await newService(server, fx, { deptCode, taskCode, key });
  const res = await submit(server, { ...service, level, comment: text }, { apiKey: key ?? fx.keys.market });
  if (!res.data) throw new Error(JSON.stringify(res.errors));
}

interface Theme {
  term: string;
  count: number;
  previousCount: number;
  rising: boolean;
  confirmed: boolean;
  months: Array<{ month: string; count: number }>;
  departments: Array<{ name: string; count: number }>;
  items: Array<{ name: string; count: number }>;
}

async function themes(token: string, filter: Record<string, unknown> = { month: '2026-11' }): Promise<Theme[]> {
  const res = await server.gql<{ commentThemes: Theme[] }>(
    `query ($f: CommentThemeFilter) { commentThemes(filter: $f) { term count previousCount rising confirmed months { month count } departments { name count } items { name count } } }`,
    { f: filter },
    { token },
  );
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.commentThemes;
}

const publicThemes = async () =>
  (await server.gql<{ publicThemes: Array<{ term: string; count: number }> }>(`{ publicThemes(regionCode: "419900000000", month: "2026-11") { term count } }`))
    .data!.publicThemes;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
  // October: queues are the complaint.
  server.clock.set(new Date('2026-10-15T02:00:00Z'));
  for (const text of ['排队时间太长了', '排队的人太多', '排队两个小时']) await comment(text);
  // November: queues as before, and parking suddenly (one comment carries the rater's phone number).
  server.clock.set(new Date('2026-11-18T02:00:00Z'));
  for (const text of ['排队时间太长', '又是排队', '排队很久']) await comment(text);
  for (const text of ['停车位太少，转了好几圈', '大厅门口没有停车位', '停车位不够，我的电话13812345678', '停车位全满了']) await comment(text);
  // The police's own comment (an officer of the market department must not see it).
  await comment('民警态度冷淡', 2, fx.departments.police.creditCode, fx.items.idCard.taskCode, fx.keys.police);
  tokens = {
    super: await sessionToken(server, 'super', 'super-pass'),
    market: await sessionToken(server, 'market', 'market-pass'),
    police: await sessionToken(server, 'police', 'police-pass'),
  };
}, 60_000);
afterAll(async () => {
  await server?.close();
});

describe('comment themes (社情民意)', () => {
  it('cuts masked comments into words without stop words or numbers', () => {
    const cut = (t: string) => t.split(/(?=停车位)|(?<=停车位)|[，\s]/);
    const terms = themeTerms('停车位不够，电话13812345678', cut);
    expect(terms).toContain('停车位');
    expect(terms.join()).not.toMatch(/\d/);
    expect(themeTerms('很 满意 的', (t) => t.split(' '))).toEqual([]);
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(isRising(4, 0, { minCount: 3, riseRatio: 2 })).toBe(true);
    expect(isRising(3, 3, { minCount: 3, riseRatio: 2 })).toBe(false);
  });

  it('counts themes per month, department and item, and flags the rising one', async () => {
    const list = await themes(tokens.super);
    const parking = list.find((t) => t.term === '停车位');
    const queue = list.find((t) => t.term === '排队');
    expect(parking).toMatchObject({ count: 4, previousCount: 0, rising: true, confirmed: false });
    expect(parking!.departments).toEqual([{ name: '东城区市场监督管理局', count: 4 }]);
    expect(parking!.items).toEqual([{ name: '个体工商户设立登记', count: 4 }]);
    expect(parking!.months.slice(-2)).toEqual([
      { month: '2026-10', count: 0 },
      { month: '2026-11', count: 4 },
    ]);
    expect(queue).toMatchObject({ count: 3, previousCount: 3, rising: false });
    expect(list[0]!.term).toBe('停车位');
    expect(list.some((t) => /\d/.test(t.term))).toBe(false);
  });

  it('are scoped: an officer sees only the comments of their department', async () => {
    expect((await themes(tokens.market)).map((t) => t.term)).toContain('停车位');
    expect((await themes(tokens.police)).map((t) => t.term)).not.toContain('停车位');
    expect(codeOf(await server.gql(`{ commentThemes { term } }`))).toBe('UNAUTHENTICATED');
  });

  it('a theme is public only after a supervisor confirms it (audited)', async () => {
    expect(await publicThemes()).toEqual([]);
    const refused = await server.gql(`mutation { confirmTheme(term: "停车位", note: "x") { term } }`, {}, { token: tokens.market });
    expect(codeOf(refused)).toBe('FORBIDDEN');
    const res = await server.gql<{ confirmTheme: { term: string; regionCode: string } }>(
      `mutation { confirmTheme(term: "停车位", note: "大厅停车难，已转交管理处") { term regionCode confirmedBy } }`,
      {},
      { token: tokens.super },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.confirmTheme).toMatchObject({ term: '停车位', regionCode: '419900000000' });
    expect(await publicThemes()).toEqual([{ term: '停车位', count: 4 }]);
    expect((await themes(tokens.super)).find((t) => t.term === '停车位')!.confirmed).toBe(true);
    expect(await countRows(server.app, 'audit_log', `action = 'theme.confirm'`)).toBe(1);
  });
});
