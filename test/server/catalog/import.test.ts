import { Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ItemSchema, DepartmentSchema, RegionSchema, StaffSchema, ServiceWindowSchema, HallSchema } from '../../../server/src/catalog/catalog.entities.js';
import { makeCreditCode } from '../../../server/src/catalog/credit-code.logic.js';
import { importCatalog, type ImportOptions, type ImportReport } from '../../../server/src/catalog/import/import.service.js';
import type { Em } from '../../../server/src/db/orm.js';
import { makeFixture, sessionToken } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';

const SOUTH = '419903000000';
const TOWN = '419903001000';
const D1 = makeCreditCode('419903', 501);
const D2 = makeCreditCode('419903', 502);

function run(server: TestServer, fileName: string, content: Buffer | string, options: ImportOptions = {}): Promise<ImportReport> {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  return importCatalog(server.app, { fileName, head: buf.subarray(0, 65536), open: () => Readable.from([buf]) }, options);
}

const counts = (report: ImportReport) => Object.fromEntries(report.kinds.map((k) => [k.kind, [k.created, k.updated, k.unchanged, k.rejected]]));

async function itemsXlsx(rows: Array<[string, string, string, string, string]>): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const sheet = wb.addWorksheet('事项');
  sheet.addRow(['实施编码', '业务办理项编码', '事项名称', '事项类型', '部门信用代码']);
  for (const r of rows) sheet.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('catalog import (R4, R25)', () => {
  let server: TestServer;
  let em: Em;

  beforeAll(async () => {
    server = await startTestServer();
    await makeFixture(server);
    em = server.app.orm.em.fork() as Em;
  });
  afterAll(() => server.close());

  const regionsCsv = `行政区划代码,名称,级别\r\n${SOUTH},南城区,区县\r\n${TOWN},南关街道,乡镇街道\r\n`;
  const departmentsCsv = `统一社会信用代码,部门名称,行政区划代码,上级部门信用代码\n${D1},南城区数据资源局,${SOUTH},\n${D2},南城区数据资源局政务服务中心,${SOUTH},${D1}\n`;

  it('imports regions from a GBK CSV, detecting the encoding (R4)', async () => {
    const report = await run(server, 'regions.csv', iconv.encode(regionsCsv, 'gbk'));
    expect(report.rejected).toEqual([]);
    expect(report).toMatchObject({ format: 'csv', rows: 2, committed: true });
    expect(counts(report)).toEqual({ regions: [2, 0, 0, 0] });
    const town = await em.fork().findOneOrFail(RegionSchema, { code: TOWN });
    expect(town).toMatchObject({ name: '南关街道', level: 'TOWNSHIP', parentCode: SOUTH });
  });

  it('reads GBK when told to, and a UTF-8 file with English headers (R4)', async () => {
    const again = await run(server, 'regions.csv', iconv.encode(regionsCsv, 'gbk'), { encoding: 'gbk' });
    expect(counts(again)).toEqual({ regions: [0, 0, 2, 0] });
    const report = await run(server, 'departments.csv', departmentsCsv);
    expect(report.rejected).toEqual([]);
    expect(counts(report)).toEqual({ departments: [2, 0, 0, 0] });
    const child = await em.fork().findOneOrFail(DepartmentSchema, { creditCode: D2 });
    const parent = await em.fork().findOneOrFail(DepartmentSchema, { creditCode: D1 });
    expect(child.parentId).toBe(parent.id);
    expect(child.path).toBe(`/${parent.id}/${child.id}/`);
  });

  it('imports items from an XLSX with 实施编码 and 业务办理项编码, and re-importing it changes nothing (R25)', async () => {
    const xlsx = await itemsXlsx([
      ['11419903D0001', '11419903D000101', '政务数据共享申请', '20', D1],
      ['11419903D0002', '11419903D000201', '公共数据开放申请', '20', D2],
    ]);
    const first = await run(server, 'items.xlsx', xlsx);
    expect(first.rejected).toEqual([]);
    expect(counts(first)).toEqual({ items: [2, 0, 0, 0] });
    const item = await em.fork().findOneOrFail(ItemSchema, { taskCode: '11419903D0002' });
    expect(item).toMatchObject({ handleItemCode: '11419903D000201', name: '公共数据开放申请', itemType: '20' });
    const again = await run(server, 'items.xlsx', xlsx);
    expect(counts(again)).toEqual({ items: [0, 0, 2, 0] });
    const renamed = await run(server, 'items.xlsx', await itemsXlsx([['11419903D0002', '11419903D000201', '公共数据开放利用申请', '20', D2]]));
    expect(counts(renamed)).toEqual({ items: [0, 1, 0, 0] });
    expect((await em.fork().findOneOrFail(ItemSchema, { taskCode: '11419903D0002' })).name).toBe('公共数据开放利用申请');
  });

  it('imports halls, windows and staff from one JSON file in dependency order (R4)', async () => {
    const doc = {
      staff: [{ 部门信用代码: D2, 工号: 'N0001', 姓名: '赵敏', 大厅名称: '南城区政务服务中心', 行政区划代码: SOUTH, 窗口编号: 'B01' }],
      windows: [{ hallName: '南城区政务服务中心', regionCode: SOUTH, windowNo: 'B01', windowName: '综合窗口', deptCode: D2 }],
      halls: [{ hallName: '南城区政务服务中心', regionCode: SOUTH }],
    };
    const report = await run(server, 'people.json', JSON.stringify(doc));
    expect(report.rejected).toEqual([]);
    expect(counts(report)).toEqual({ halls: [1, 0, 0, 0], windows: [1, 0, 0, 0], staff: [1, 0, 0, 0] });
    const hall = await em.fork().findOneOrFail(HallSchema, { name: '南城区政务服务中心' });
    const window = await em.fork().findOneOrFail(ServiceWindowSchema, { hallId: hall.id, no: 'B01' });
    // An imported window gets the usual opening hours, which R18's off-hours signal reads.
    expect(window.openingHours).toBe('1-5 08:30-17:30');
    expect((await em.fork().findOneOrFail(StaffSchema, { workNo: 'N0001' })).windowId).toBe(window.id);
    expect(counts(await run(server, 'people.json', JSON.stringify(doc)))).toEqual({ halls: [0, 0, 1, 0], windows: [0, 0, 1, 0], staff: [0, 0, 1, 0] });
  });

  it('reports every rejected row with row, column, code and message, and stores nothing of that file (R25)', async () => {
    const bad = D1.slice(0, 17) + (D1.endsWith('0') ? '1' : '0');
    const csv = [
      'taskCode,handleItemCode,taskName,itemType,deptCode',
      `11419903D0101,11419903D010101,甲事项,01,${D1}`,
      `11419903D0102,11419903D010201,,01,${D1}`,
      `11419903D0103,11419903D010301,丙事项,01,${bad}`,
      `11419903D0104,11419903D010401,丁事项,01,${makeCreditCode('419903', 999)}`,
      `11419903D0101,11419903D010101,甲事项,01,${D1}`,
      `11419903D0105,11419903D010501,戊事项,77,${D1}`,
      `11419903D0106,11419903D010601`,
    ].join('\n');
    const report = await run(server, 'items.csv', csv);
    expect(report.committed).toBe(false);
    expect(report.rejected.map((r) => [r.row, r.column, r.code])).toEqual([
      [3, 'name', 'MISSING_VALUE'],
      [4, 'deptCode', 'INVALID_VALUE'],
      [5, 'deptCode', 'UNKNOWN_REFERENCE'],
      [6, 'taskCode', 'DUPLICATE_ROW'],
      [7, 'itemType', 'INVALID_VALUE'],
      [8, '', 'INVALID_VALUE'],
    ]);
    expect(report.rejected[1]!.message).toMatch(/check character/);
    expect(report.rejectedCount).toBe(6);
    expect(await em.fork().count(ItemSchema, { taskCode: '11419903D0101' })).toBe(0);

    const partial = await run(server, 'items.csv', csv, { skipRejected: true });
    expect(partial.committed).toBe(true);
    expect(counts(partial)).toEqual({ items: [1, 0, 0, 6] });
    expect(await em.fork().count(ItemSchema, { taskCode: '11419903D0101' })).toBe(1);
  });

  it('a dry run reports without storing (R25)', async () => {
    const report = await run(server, 'items.xlsx', await itemsXlsx([['11419903D0201', '11419903D020101', '试运行事项', '01', D1]]), { dryRun: true });
    expect(report).toMatchObject({ dryRun: true, committed: false });
    expect(counts(report)).toEqual({ items: [1, 0, 0, 0] });
    expect(await em.fork().count(ItemSchema, { taskCode: '11419903D0201' })).toBe(0);
  });

  it('a malformed file is refused as a whole with MALFORMED_FILE and nothing is stored (R25)', async () => {
    const before = await em.fork().count(RegionSchema, {});
    const broken = `code,name\n419904000000,北城区\n419905000000,"未闭合\n`;
    await expect(run(server, 'regions.csv', broken)).rejects.toMatchObject({ code: 'MALFORMED_FILE' });
    await expect(run(server, 'x.xlsx', Buffer.from('PK not really a zip'))).rejects.toMatchObject({ code: 'MALFORMED_FILE' });
    await expect(run(server, 'x.json', '{"regions": [')).rejects.toMatchObject({ code: 'MALFORMED_FILE' });
    await expect(run(server, 'x.csv', 'foo,bar\n1,2\n')).rejects.toMatchObject({ code: 'MALFORMED_FILE', details: { reason: 'UNKNOWN_LAYOUT' } });
    await expect(run(server, 'x.csv', '实施编码,事项名称\n1,2\n')).rejects.toMatchObject({ code: 'MALFORMED_FILE', details: { reason: 'MISSING_COLUMNS' } });
    // GBK bytes read as UTF-8: the headers are garbled and the message says which encoding to try.
    await expect(run(server, 'r.csv', iconv.encode(regionsCsv, 'gbk'), { encoding: 'utf8' })).rejects.toThrow(/--encoding gbk/);
    expect(await em.fork().count(RegionSchema, {})).toBe(before);
    expect(await em.fork().count(RegionSchema, { code: '419904000000' })).toBe(0);
  });

  it('importCatalog takes base64 content from administrators only, with a size limit (R25)', async () => {
    const admin = await sessionToken(server, 'admin', 'admin-pass');
    const query = operation('import-catalog');
    const csv = `code,name\n419906000000,新区\n`;
    const ok = await server.gql<{ importCatalog: { committed: boolean; kinds: Array<{ created: number }> } }>(
      query,
      { fileName: 'regions.csv', content: Buffer.from(csv).toString('base64'), dryRun: false, skipRejected: false },
      { token: admin },
    );
    expect(ok.errors).toBeUndefined();
    expect(ok.data!.importCatalog).toMatchObject({ committed: true, kinds: [{ kind: 'regions', created: 1, updated: 0, unchanged: 0, rejected: 0 }] });
    const officer = await sessionToken(server, 'police', 'police-pass');
    expect(codeOf(await server.gql(query, { fileName: 'regions.csv', content: '', dryRun: true, skipRejected: false }, { token: officer }))).toBe('FORBIDDEN');
    const malformed = await server.gql(
      query,
      { fileName: 'regions.csv', content: Buffer.from('a,b\n"x').toString('base64'), dryRun: false, skipRejected: false },
      { token: admin },
    );
    expect(codeOf(malformed)).toBe('MALFORMED_FILE');
    const huge = await server.gql(
      query,
      { fileName: 'regions.csv', content: 'A'.repeat(server.app.config.importMaxBytes * 2), dryRun: true, skipRejected: false },
      { token: admin },
    );
    expect(['BAD_USER_INPUT', 'PAYLOAD_TOO_LARGE']).toContain(codeOf(huge));
  });
});
