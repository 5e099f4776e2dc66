import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../server/src/common/clock.js';
import type { Em } from '../../../server/src/db/orm.js';
import { bulletinPdf, bulletinXlsx, chromiumAvailable } from '../../../server/src/assessment/bulletin.export.js';
import { draftLastMonthBulletins } from '../../../server/src/assessment/bulletin.service.js';
import { maskPersonal, percent, type BulletinContent } from '../../../server/src/assessment/bulletin.logic.js';
import { CITY, DISTRICT_A, makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { pdfText } from '../../support/pdf-text.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

const GENERATE = `mutation ($regionCode: String!, $period: String!) {
  generateBulletin(regionCode: $regionCode, period: $period) { id regionCode period status title content approvedBy approvedAt }
}`;
const APPROVE = `mutation ($id: Int!) { approveBulletin(id: $id) { id status approvedBy approvedAt } }`;
const LIST = `query ($regionCode: String!) { bulletins(regionCode: $regionCode) { id period status } }`;
const ONE = `query ($id: Int!) { bulletin(id: $id) { id status content } }`;
const PUBLIC = `query ($regionCode: String!) { publicBulletins(regionCode: $regionCode) { id period status title content approvedBy } }`;
const OVERVIEW = `query ($filter: StatsFilter) { overview(filter: $filter) { total good bad goodRate } }`;

interface BulletinRow {
  id: number;
  regionCode: string;
  period: string;
  status: string;
  title: string;
  content: string;
  approvedBy: string | null;
  approvedAt: string | null;
}

const NOV = new Date('2026-11-20T02:00:00Z');
const DEC = new Date('2026-12-02T02:00:00Z');
const RATER_NAME = '赵大宝';
const RATER_MOBILE = '13912345678';

let server: TestServer;
let fx: Fixture;
let tokens: { supervisor: string; admin: string; market: string };

beforeEach(async () => {
  server = await startTestServer({ sessionTtlHours: 24 * 365 }, new ManualClock(NOV));
  fx = await makeFixture(server);
  tokens = {
    supervisor: await sessionToken(server, 'super', 'super-pass'),
    admin: await sessionToken(server, 'admin', 'admin-pass'),
    market: await sessionToken(server, 'market', 'market-pass'),
  };
  // Small samples in tests: rank from one rating.
  const set = `mutation { setAssessmentSetting(regionCode: "${CITY}", key: "rank.minSample", value: "1") }`;
  expect((await server.gql(set, {}, { token: tokens.supervisor })).errors).toBeUndefined();
});
afterEach(async () => {
  await server.close();
});

/** One rating of a new market service (东城区), given by a named rater with a mobile (R12: personal data). */
async function rate(level: number, raterName = RATER_NAME): Promise<void> {
  const service = await newService(server, fx, { windowId: fx.window.id, staffNo: fx.staff.workNo });
  const res = await submit(
    server,
    {
      ...service,
      level,
      raterName,
      raterMobile: RATER_MOBILE,
      ...(level <= 2 ? { tags: [level === 1 ? '115' : '214'], comment: `态度差，请联系${RATER_NAME} ${RATER_MOBILE}` } : {}),
    },
    { apiKey: fx.keys.market },
  );
  expect(res.errors).toBeUndefined();
}

async function generate(token: string, regionCode = CITY, period = '2026-11'): Promise<BulletinRow> {
  const res = await server.gql<{ generateBulletin: BulletinRow }>(GENERATE, { regionCode, period }, { token });
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return res.data.generateBulletin;
}

describe('bulletins (通报, R21–R23)', () => {
  it('generates a region’s monthly bulletin whose headline equals the overview of that month, with rankings, bad-review tags and overdue cases', async () => {
    for (const level of [5, 5, 4, 1, 2]) await rate(level);
    server.clock.set(DEC);
    const b = await generate(tokens.supervisor);
    expect(b.status).toBe('DRAFT');
    expect(b.title).toBe('测试市政务服务“好差评”2026年11月通报'.replace('测试市', (JSON.parse(b.content) as BulletinContent).regionName));
    const c = JSON.parse(b.content) as BulletinContent;
    const ov = await server.gql<{ overview: { total: number; good: number; bad: number; goodRate: number } }>(
      OVERVIEW,
      { filter: { regionCode: CITY, from: '2026-11-01', to: '2026-11-30' } },
      { token: tokens.supervisor },
    );
    expect(c.headline.total).toBe(ov.data!.overview.total);
    expect(c.headline.good).toBe(ov.data!.overview.good);
    expect(c.headline.bad).toBe(ov.data!.overview.bad);
    expect(c.headline.total).toBe(5);
    expect(c.headline.bad).toBe(2);
    expect(c.headline.goodRate).toBeCloseTo(ov.data!.overview.goodRate, 9);
    // Bad-review tags only (levels 1–2), counted once each.
    expect(c.badTags.map((t) => [t.code, t.count]).sort()).toEqual([
      ['115', 1],
      ['214', 1],
    ]);
    // The city's departments, from the assessment ranking; the typical cases are the two bad reviews.
    expect(c.regionRankingLabel).toBe('各区县');
    expect(c.regionRanking.find((r) => r.total === 5)?.rank).toBe(1);
    expect(c.ranking.every((r) => r.total === 0)).toBe(true);
    expect(c.cases).toHaveLength(2);
    // Two November cases are due in December: nothing overdue at the end of November.
    expect(c.headline.overdue).toBe(0);
    // A district bulletin sees only its own figures.
    const district = JSON.parse((await generate(tokens.admin, DISTRICT_A)).content) as BulletinContent;
    expect(district.headline.total).toBe(5);
    expect(district.ranking.find((r) => r.name === fx.departments.market.name)?.total).toBe(5);
    // Regenerating a draft replaces it; the list shows one bulletin per period.
    await generate(tokens.supervisor);
    const list = await server.gql<{ bulletins: Array<{ id: number; period: string; status: string }> }>(
      LIST,
      { regionCode: CITY },
      { token: tokens.supervisor },
    );
    expect(list.data?.bulletins).toEqual([{ id: b.id, period: '2026-11', status: 'DRAFT' }]);
  });

  it('publishes a bulletin only once a supervisor approves it (audited), with no personal data; an approved one is not regenerated', async () => {
    for (const level of [5, 1, 2, 4]) await rate(level);
    // The department's replies name the rater and the staff member (R12): the typical cases show them masked.
    await (server.app.orm.em.fork() as Em).execute(`update rect_case set reply = ?`, [
      `已由王晓明电话联系${RATER_NAME}（${RATER_MOBILE}，身份证 410101199001011234），当面致歉并改进`,
    ]);
    server.clock.set(DEC);
    const b = await generate(tokens.supervisor);
    const cases = (JSON.parse(b.content) as BulletinContent).cases;
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expect(c.outcome).toBe('已由王*明电话联系赵*宝（***********，身份证 ******************），当面致歉并改进');
    const before = await server.gql<{ publicBulletins: BulletinRow[] }>(PUBLIC, { regionCode: CITY });
    expect(before.data?.publicBulletins).toEqual([]);
    // A department officer neither approves nor reads drafts.
    expect(codeOf(await server.gql(APPROVE, { id: b.id }, { token: tokens.market }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(ONE, { id: b.id }))).toMatch(/FORBIDDEN|UNAUTHENTICATED/);
    const approved = await server.gql<{ approveBulletin: BulletinRow }>(APPROVE, { id: b.id }, { token: tokens.supervisor });
    expect(approved.data?.approveBulletin.status).toBe('APPROVED');
    expect(approved.data?.approveBulletin.approvedAt).not.toBeNull();
    const after = await server.gql<{ publicBulletins: BulletinRow[] }>(PUBLIC, { regionCode: CITY });
    expect(after.data?.publicBulletins.map((x) => [x.id, x.period, x.status, x.approvedBy])).toEqual([[b.id, '2026-11', 'APPROVED', null]]);
    const text = after.data!.publicBulletins[0]!.content;
    expect(JSON.parse(text)).toEqual(JSON.parse(b.content));
    for (const secret of [RATER_NAME, RATER_MOBILE, '1391234', '5678', '王晓明', '1234']) expect(text).not.toContain(secret);
    expect(codeOf(await server.gql(GENERATE, { regionCode: CITY, period: '2026-11' }, { token: tokens.supervisor }))).toBe('CONFLICT');
    // The files: a signed-in supervisor downloads the XLSX; nobody else does.
    const xlsx = await fetch(`${server.url}/bulletins/${b.id}.xlsx`, { headers: { authorization: `Bearer ${tokens.supervisor}` } });
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-type')).toMatch(/spreadsheetml/);
    expect((await fetch(`${server.url}/bulletins/${b.id}.xlsx`)).status).toBe(401);
    expect((await fetch(`${server.url}/bulletins/${b.id}.xlsx`, { headers: { authorization: `Bearer ${tokens.market}` } })).status).toBe(403);
    expect((await fetch(`${server.url}/bulletins/999999.xlsx`, { headers: { authorization: `Bearer ${tokens.admin}` } })).status).toBe(404);
    const em = server.app.orm.em.fork() as Em;
    const audit = await em.execute<Array<{ subject: string; detail: string }>>("select subject, detail from audit_log where action = 'bulletin.approve'");
    expect(audit).toEqual([{ subject: `bulletin:${b.id}`, detail: `${CITY} 2026-11` }]);
  });

  it('refuses other regions’ supervisors, department officers and anonymous callers; checks the period', async () => {
    expect(codeOf(await server.gql(GENERATE, { regionCode: CITY, period: '2026-11' }, { token: tokens.market }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(GENERATE, { regionCode: CITY, period: '2026-11' }))).toMatch(/FORBIDDEN|UNAUTHENTICATED/);
    expect(codeOf(await server.gql(GENERATE, { regionCode: '510100000000', period: '2026-11' }, { token: tokens.supervisor }))).toBe('FORBIDDEN');
    expect(codeOf(await server.gql(GENERATE, { regionCode: CITY, period: '2026-13' }, { token: tokens.supervisor }))).toBe('BAD_USER_INPUT');
    expect(codeOf(await server.gql(PUBLIC, { regionCode: 'x' }))).toBe('BAD_USER_INPUT');
  });

  it('exports an XLSX with the sheets 概况, 排名, 差评标签, 逾期整改, and a PDF holding the headline figures', async () => {
    for (const level of [5, 5, 1]) await rate(level);
    server.clock.set(DEC);
    const c = JSON.parse((await generate(tokens.admin)).content) as BulletinContent;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await bulletinXlsx(c)) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((s) => s.name).slice(0, 4)).toEqual(['概况', '排名', '差评标签', '逾期整改']);
    const summary = wb.getWorksheet('概况')!;
    const cells = new Map<string, string>();
    summary.eachRow((row) => cells.set(String(row.getCell(1).value), String(row.getCell(2).value)));
    expect(cells.get('评价总数')).toBe('3');
    expect(cells.get('好评率')).toBe(percent(2 / 3));
    if (!chromiumAvailable(server.app.config.chromiumPath)) return; // No Chromium on this machine: the PDF is not tested here.
    const pdf = await bulletinPdf(server.app.config.chromiumPath, c);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    // Read back without a PDF library (no pdftotext here): the ToUnicode maps of Chromium's fonts.
    const text = pdfText(pdf);
    expect(text).toContain(c.title);
    expect(text).toContain('评价总数3');
    expect(text).toContain(`好评率${percent(2 / 3)}`);
    expect(text).toContain(`差评数${c.headline.bad}`);
  });
});

describe('the monthly schedule', () => {
  it('drafts last month’s bulletin of each city once; a supervisor still approves it', async () => {
    await rate(5);
    server.clock.set(DEC);
    expect(await draftLastMonthBulletins(server.app)).toBeGreaterThanOrEqual(1);
    expect(await draftLastMonthBulletins(server.app)).toBe(0);
    const list = await server.gql<{ bulletins: Array<{ period: string; status: string }> }>(LIST, { regionCode: CITY }, { token: tokens.supervisor });
    expect(list.data?.bulletins).toEqual([{ id: expect.any(Number), period: '2026-11', status: 'DRAFT' }]);
  });
});

describe('typical cases name no rater (R12)', () => {
  it('masks the rater by the real name the server holds, also where the masked form does not match how the reply writes it', async () => {
    // A name written with a space: its masked form (A********h) matches no text with the space in it.
    const name = 'Anna Smith';
    await rate(1, name);
    await (server.app.orm.em.fork() as Em).execute(`update rect_case set reply = ?`, [`已电话联系${name}女士并当面致歉（Anna Smith 已确认）`]);
    server.clock.set(DEC);
    const b = await generate(tokens.supervisor);
    const cases = (JSON.parse(b.content) as BulletinContent).cases;
    expect(cases).toHaveLength(1);
    expect(cases[0]!.outcome).toBe('已电话联系A********h女士并当面致歉（A********h 已确认）');
    expect(b.content).not.toContain(name);
  });
});

describe('masking free text', () => {
  it('hides mobiles, ID numbers and e-mail addresses (R12)', () => {
    expect(maskPersonal('请联系 13912345678 或 a.b@c.cn，身份证 41010119900101123X')).toBe('请联系 139****5678 或 ***@***，身份证 41**************3X');
  });
});
