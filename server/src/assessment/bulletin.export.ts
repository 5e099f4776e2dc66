import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import ExcelJS from 'exceljs';
import { headlineRows, renderBulletinHtml, type BulletinContent, type BulletinRankingRow } from './bulletin.logic.js';

/** Whether the Chromium the PDF is printed with (setting CHROMIUM_PATH) is installed. */
export function chromiumAvailable(chromiumPath: string): boolean {
  return existsSync(chromiumPath);
}

/** The stylesheet of the CJK font the dashboard bundles (its unicode-range subsets cover Chinese), if installed. */
function fontCssUrl(): string | null {
  try {
    return pathToFileURL(createRequire(import.meta.url).resolve('@fontsource/noto-sans-sc/400.css')).href;
  } catch {
    return null;
  }
}

const round = (v: number | null) => (v === null ? null : Number(v.toFixed(2)));
const rankingCells = (r: BulletinRankingRow) => [r.rank, r.name, r.total, round(r.score), round(r.fairScore), r.note];

/** The bulletin as an XLSX workbook a clerk can send on: 概况, 排名, 差评标签, 逾期整改 (and 共性问题, 典型案例). */
export async function bulletinXlsx(c: BulletinContent): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'haochaping';
  const sheet = (name: string, head: string[], rows: Array<Array<string | number | null>>, widths: number[]) => {
    const ws = wb.addWorksheet(name);
    ws.addRow(head).font = { bold: true };
    for (const r of rows) ws.addRow(r);
    widths.forEach((w, i) => (ws.getColumn(i + 1).width = w));
  };
  sheet(
    '概况',
    ['项目', '数值'],
    [['通报', c.title], ['地区', `${c.regionName}（${c.regionCode}）`], ['期间', c.period], ...headlineRows(c.headline)],
    [16, 40],
  );
  sheet(
    '排名',
    ['分组', '名次', '单位', '评价数', '综合得分', '公平得分', '说明'],
    [...(c.regionRanking ?? []).map((r) => [c.regionRankingLabel ?? '', ...rankingCells(r)]), ...c.ranking.map((r) => [c.rankingLabel, ...rankingCells(r)])],
    [14, 6, 30, 10, 10, 10, 40],
  );
  sheet(
    '差评标签',
    ['标签代码', '标签', '次数'],
    c.badTags.map((t) => [t.code, t.name, t.count]),
    [10, 30, 10],
  );
  sheet(
    '逾期整改',
    ['部门', '件数', '最早到期'],
    c.overdue.map((o) => [o.department, o.count, o.oldestDue]),
    [30, 10, 14],
  );
  sheet(
    '共性问题',
    ['问题', '部门', '状态', '发现日期', '原因', '措施'],
    c.problems.map((p) => [p.subject, p.department, p.state, p.openedOn, p.cause, p.measures]),
    [30, 24, 10, 12, 30, 30],
  );
  sheet(
    '典型案例',
    ['事项', '部门', '评价', '日期', '整改状态', '按期', '整改情况'],
    c.cases.map((x) => [x.item, x.department, x.levelName, x.ratedOn, x.state, x.onTime === null ? null : x.onTime ? '是' : '否', x.outcome]),
    [30, 24, 10, 12, 10, 6, 40],
  );
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * The bulletin printed to PDF by Chromium (playwright-core, a development dependency: the CLI and the
 * server's export need it installed). The page is written to a temporary file so the file:// font loads.
 */
export async function bulletinPdf(chromiumPath: string, c: BulletinContent, status?: string): Promise<Buffer> {
  const { chromium } = await import('playwright-core');
  const dir = await mkdtemp(join(tmpdir(), 'bulletin-'));
  const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const file = join(dir, 'bulletin.html');
    await writeFile(file, renderBulletinHtml(c, { fontCss: fontCssUrl(), status }));
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
  } finally {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
  }
}
