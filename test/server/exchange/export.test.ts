import { execFile } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { CITY, DISTRICT_A, makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { countRows } from '../../support/rollups.js';
import type { Em } from '../../../server/src/db/orm.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, registerService, submit } from '../../support/services.js';

let server: TestServer;
let fx: Fixture;
const tokens: Record<string, string> = {};
let prefix = '';

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
  for (const [user, pass] of [
    ['market', 'market-pass'],
    ['police', 'police-pass'],
    ['super', 'super-pass'],
    ['admin', 'admin-pass'],
  ])
    tokens[user] = await sessionToken(server, user, pass);
  prefix = `EX${Date.now().toString(36)}`;
  // Two ratings of the market department (district A), one of social security (district B), one bad one (a rectification case).
  const rate = async (n: number, key: string, dept: Fixture['departments']['market'], task: string, input: Record<string, unknown>) => {
    const service = await newService(server, fx, { projectNo: `${prefix}-${n}`, key, deptCode: dept.creditCode, taskCode: task });
    const res = await submit(server, { ...service, ...input }, { apiKey: key });
    if (!res.data) throw new Error(JSON.stringify(res.errors));
  };
  await rate(1, fx.keys.market, fx.departments.market, fx.items.business.taskCode, {
    level: 5,
    comment: '=HYPERLINK("http://x")',
    raterName: '张小三',
    raterMobile: '13812345678',
  });
  await rate(2, fx.keys.market, fx.departments.market, fx.items.business.taskCode, { level: 1, tags: ['115'], comment: '窗口人员态度差' });
  await rate(3, fx.keys.social, fx.departments.social, fx.items.pension.taskCode, { level: 4, comment: '很好' });
  // A refused record (unknown item code) is kept as a quality finding of the market department.
  await registerService(server, fx, { projectNo: `${prefix}-Q`, key: fx.keys.market, deptCode: fx.departments.market.creditCode, taskCode: '11419901M9999' });
});
afterAll(() => server.close());

async function download(path: string, token?: string): Promise<Response> {
  return fetch(`${server.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function csvRows(path: string, token: string): Promise<{ text: string; rows: Record<string, string>[] }> {
  const res = await download(path, token);
  expect(res.status).toBe(200);
  const text = Buffer.from(await res.arrayBuffer()).toString('utf8');
  const rows = parse(text, { bom: true, columns: true }) as Record<string, string>[];
  return { text, rows: rows.filter((r) => (r.projectNo ?? '').startsWith(prefix)) };
}

describe('exports of ratings, rectification records and quality findings (R12, R17, R25)', () => {
  it('CSV: UTF-8 with BOM and CRLF, the interface field names as headers, personal data masked, CSV injection defused (R12)', async () => {
    const res = await download('/export/ratings.csv', tokens.admin);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="ratings\.csv"$/);
    const { text, rows } = await csvRows('/export/ratings.csv', tokens.admin!);
    expect(text.charCodeAt(0)).toBe(0xfeff);
    expect(text.split('\r\n')[0]).toBe(
      '\uFEFFevaluationId,projectNo,serviceNumber,assessNumber,pf,channel,satisfaction,satisfactionName,evalDetail,writingEvaluation,assessTime,isdefault,effectivEvalua,invalidReason,userName,mobile,areaCode,deptCode,deptName,taskCode,taskName',
    );
    expect(rows.map((r) => r.projectNo).sort()).toEqual([`${prefix}-1`, `${prefix}-2`, `${prefix}-3`]);
    const first = rows.find((r) => r.projectNo === `${prefix}-1`)!;
    expect(first).toMatchObject({
      satisfaction: '5',
      satisfactionName: '非常满意',
      deptName: '东城区市场监督管理局',
      areaCode: DISTRICT_A,
      isdefault: '0',
      effectivEvalua: '1',
    });
    expect(first.writingEvaluation).toBe(`'=HYPERLINK("http://x")`);
    expect(first.userName).not.toContain('张小三');
    expect(first.mobile).not.toContain('13812345678');
    expect(first.mobile).toMatch(/\*/);
    expect(text).not.toContain('13812345678');
  });

  it('is scoped like every other read: an officer gets their department only, a supervisor their region; anonymous 401, a screen token 403 (R12)', async () => {
    const market = await csvRows('/export/ratings.csv', tokens.market!);
    expect(market.rows.map((r) => r.projectNo).sort()).toEqual([`${prefix}-1`, `${prefix}-2`]);
    const police = await csvRows('/export/ratings.csv', tokens.police!);
    expect(police.rows).toEqual([]);
    const superv = await csvRows(`/export/ratings.csv?regionCode=${DISTRICT_A}`, tokens.super!);
    expect(superv.rows.map((r) => r.projectNo).sort()).toEqual([`${prefix}-1`, `${prefix}-2`]);
    const forbidden = await download(`/export/ratings.csv?departmentId=${fx.departments.market.id}`, tokens.police);
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('FORBIDDEN');
    const anonymous = await download('/export/ratings.csv');
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('UNAUTHENTICATED');
    const screen = await server.gql<{ issueScreenToken: { token: string } }>(
      operation('issue-screen-token'),
      { kind: 'SCREEN', label: '大厅大屏', regionCode: CITY },
      { token: tokens.admin },
    );
    expect((await download('/export/ratings.csv', screen.data!.issueScreenToken.token)).status).toBe(403);
    const bad = await download('/export/ratings.csv?from=2026-13-01', tokens.admin);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code).toBe('BAD_USER_INPUT');
    expect((await download('/export/ratings.pdf', tokens.admin)).status).toBe(404);
  });

  it('filters by department and period in Shanghai days', async () => {
    const day = new Date(server.clock.now().getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
    const today = await csvRows(`/export/ratings.csv?departmentId=${fx.departments.social.id}&from=${day}&to=${day}`, tokens.admin!);
    expect(today.rows.map((r) => r.projectNo)).toEqual([`${prefix}-3`]);
    const before = await csvRows(`/export/ratings.csv?to=2020-01-01`, tokens.admin!);
    expect(before.rows).toEqual([]);
  });

  it('XLSX: a streamed workbook that exceljs opens, with the rows', async () => {
    const res = await download(`/export/ratings.xlsx?regionCode=${DISTRICT_A}`, tokens.admin);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('ratings.xlsx');
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await res.arrayBuffer()) as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header.slice(0, 3)).toEqual(['evaluationId', 'projectNo', 'serviceNumber']);
    const projects: string[] = [];
    sheet.eachRow((row, n) => {
      if (n > 1) projects.push(String(row.getCell(2).value));
    });
    expect(projects.filter((p) => p.startsWith(prefix)).sort()).toEqual([`${prefix}-1`, `${prefix}-2`]);
  });

  it('JSON: the GB/T 39046 表9 evaluation data set in its element names and forms; CSV keeps the interface columns (R26)', async () => {
    const res = await download('/export/ratings.json', tokens.market);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { dataSet: string; fields: string[]; count: number; records: Array<Record<string, unknown>> };
    expect(body.dataSet).toContain('表9');
    expect(body.fields.slice(0, 9)).toEqual(['办件编号', '评价渠道', '评价人', '评价时间', '评价次数', '满意度', '满意度代码', '文字评价', '行政区划']);
    expect(body.count).toBe(body.records.length);
    const record = body.records.find((r) => r.办件编号 === `${prefix}-2`)!;
    expect(Object.keys(record)).toEqual(body.fields);
    // Level 1 (非常不满意) is 满意度代码 5 in GB/T 39046 A.8; the region is the 9-digit code.
    expect(record).toMatchObject({ 满意度: '非常不满意', 满意度代码: 5, 文字评价: '窗口人员态度差', 评价次数: 1, 事项类型: expect.stringMatching(/^\d{2}$/) });
    expect(String(record.评价时间)).toMatch(/^\d{8}T\d{6}$/);
    expect(String(record.行政区划)).toMatch(/^\d{9}$/);
    expect([1, 2, 3, 4, 5, 6]).toContain(record.服务对象);
    const csv = await csvRows('/export/ratings.csv', tokens.market!);
    expect(csv.rows.find((r) => r.projectNo === `${prefix}-2`)).toMatchObject({ satisfaction: '1', isdefault: '0' });
  });

  it('exports rectification records and quality findings, scoped (R17, R25)', async () => {
    const rect = await csvRows('/export/rectifications.csv', tokens.market!);
    expect(rect.rows.map((r) => r.projectNo)).toEqual([`${prefix}-2`]);
    expect(rect.rows[0]).toMatchObject({ status: 'OPENED', operation: 'OPEN', satisfaction: '1', deptName: '东城区市场监督管理局' });
    expect((await csvRows('/export/rectifications.csv', tokens.police!)).rows).toEqual([]);
    const json = (await (await download('/export/rectifications.json', tokens.admin)).json()) as { records: Array<Record<string, unknown>> };
    expect(json.records.some((r) => r.projectNo === `${prefix}-2` && r.recordId !== undefined)).toBe(true);
    const findings = async (token: string) => {
      const res = await download('/export/quality-findings.csv', token);
      expect(res.status).toBe(200);
      const rows = parse(Buffer.from(await res.arrayBuffer()).toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
      return rows.filter((r) => r.recordKey.startsWith(`${prefix}-Q`));
    };
    const mine = await findings(tokens.market!);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0]).toMatchObject({ deptName: '东城区市场监督管理局' });
    expect(await findings(tokens.police!)).toEqual([]);
    const xlsx = await download('/export/quality-findings.xlsx', tokens.admin);
    expect(xlsx.status).toBe(200);
  });

  it('audits every export with the filter and the row count (R12)', async () => {
    const before = await countRows(server.app, 'audit_log', 'action = ?', ['export.ratings']);
    const { rows } = await csvRows(`/export/ratings.csv?regionCode=${DISTRICT_A}`, tokens.super!);
    expect(rows.length).toBe(2);
    expect(await countRows(server.app, 'audit_log', 'action = ?', ['export.ratings'])).toBe(before + 1);
    const em = server.app.orm.em.fork() as Em;
    const [last] = await em.execute<Array<{ detail: string; actor: string; subject: string }>>(
      "select detail, actor, subject from audit_log where action = 'export.ratings' order by id desc limit 1",
    );
    expect(last!.subject).toBe('ratings.csv');
    expect(JSON.parse(last!.detail)).toMatchObject({ regionCode: DISTRICT_A, format: 'csv' });
    expect(JSON.parse(last!.detail).rows).toBeGreaterThanOrEqual(2);
  });

  it('npm run export writes the same CSV to stdout, the row count to stderr, and is audited', { timeout: 120_000 }, async () => {
    const { dataDir, databaseUrl } = server.app.config;
    const sqlite = join(dataDir, 'haochaping.sqlite');
    if (!databaseUrl && !existsSync(sqlite)) symlinkSync(join(dataDir, 'test.sqlite'), sqlite);
    const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
    if (databaseUrl) env.DATABASE_URL = databaseUrl;
    else delete env.DATABASE_URL;
    const { stdout, stderr } = await promisify(execFile)(
      'npx',
      ['tsx', 'server/src/cli/export.ts', '--kind', 'ratings', '--format', 'csv', '--region', DISTRICT_A],
      { env, maxBuffer: 10_000_000 },
    );
    expect(stdout.charCodeAt(0)).toBe(0xfeff);
    const rows = (parse(stdout, { bom: true, columns: true }) as Record<string, string>[]).map((r) => r.projectNo);
    expect(rows.sort()).toEqual([`${prefix}-1`, `${prefix}-2`]);
    expect(stderr).toMatch(/^2 rows$/m);
    expect(await countRows(server.app, 'audit_log', 'action = ? and actor = ?', ['export.ratings', 'cli:export'])).toBe(1);
  });

  it('streams a large export page by page: 5,000 ratings, every row once', { timeout: 300_000 }, async () => {
    const big = `${prefix}B`;
    const total = 5000;
    for (let start = 0; start < total; start += 1000) {
      const services = Array.from({ length: 1000 }, (_, i) => ({
        projectNo: `${big}-${start + i}`,
        serviceNumber: 1,
        serviceName: '受理',
        taskCode: fx.items.idCard.taskCode,
        deptCode: fx.departments.police.creditCode,
        proStatus: 3,
        resultDate: server.clock.now().toISOString(),
        userName: '李四',
        userProp: 1,
        proChannel: 2,
      }));
      const reg = await server.gql<{ registerServices: Array<{ status: string }> }>(
        operation('register-services'),
        { inputs: services },
        { apiKey: fx.keys.police },
      );
      expect(reg.data!.registerServices.every((r) => r.status === 'CREATED')).toBe(true);
      const ratings = services.map((s, i) => ({ projectNo: s.projectNo, serviceNumber: 1, level: 3 + (i % 3) }));
      const rated = await server.gql<{ submitEvaluations: Array<{ status: string }> }>(
        operation('submit-evaluations'),
        { inputs: ratings },
        { apiKey: fx.keys.police },
      );
      expect(rated.data!.submitEvaluations.every((r) => r.status === 'CREATED')).toBe(true);
    }
    const res = await download(`/export/ratings.csv?departmentId=${fx.departments.police.id}`, tokens.police);
    expect(res.status).toBe(200);
    const text = Buffer.from(await res.arrayBuffer()).toString('utf8');
    const rows = (parse(text, { bom: true, columns: true }) as Record<string, string>[]).filter((r) => r.projectNo.startsWith(big));
    expect(rows.length).toBe(total);
    expect(new Set(rows.map((r) => r.evaluationId)).size).toBe(total);
    const json = (await (await download(`/export/ratings.json?departmentId=${fx.departments.police.id}`, tokens.police)).json()) as { count: number };
    expect(json.count).toBeGreaterThanOrEqual(total);
    const xlsx = await download(`/export/ratings.xlsx?departmentId=${fx.departments.police.id}`, tokens.police);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(Buffer.from(await xlsx.arrayBuffer()) as unknown as ArrayBuffer);
    let inSheet = 0;
    workbook.worksheets[0]!.eachRow((row) => {
      if (String(row.getCell(2).value).startsWith(big)) inSheet++;
    });
    expect(inSheet).toBe(total);
  });
});
