import { once } from 'node:events';
import { PassThrough, type Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import type { Actor } from '../common/actor.js';
import type { Clock } from '../common/clock.js';
import { CSV_BOM, csvLine } from '../common/csv.logic.js';
import type { Database } from '../db/orm.js';
import { recordAudit } from '../auth/audit.service.js';
import { describeFilter, type ExportFilter, type ExportSource } from './export.service.js';

/** CSV (UTF-8 with BOM, CRLF, CSV injection defused) and XLSX (streamed workbook) in `columns`; JSON in the source's JSON layout (ratings: GB/T 39046 表9). */
export const EXPORT_FORMATS = ['csv', 'xlsx', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  json: 'application/json; charset=utf-8',
};

const SHEET_NAMES = { ratings: '评价数据', rectifications: '整改记录', 'quality-findings': '数据质检' } as const;

/** Waits until `out` takes more; rejects when the receiver went away (a closed download stops the reading). */
async function drained(out: Writable): Promise<void> {
  if (out.destroyed) throw new Error('the receiver closed the connection');
  const stop = new AbortController();
  try {
    await Promise.race([
      once(out, 'drain', { signal: stop.signal }),
      once(out, 'close', { signal: stop.signal }).then(() => {
        throw new Error('the receiver closed the connection');
      }),
    ]);
  } finally {
    stop.abort();
  }
}

/** Writes with backpressure: waits for `drain` when the stream's buffer is full. */
async function put(out: Writable, chunk: string): Promise<void> {
  if (out.destroyed) throw new Error('the receiver closed the connection');
  if (!out.write(chunk)) await drained(out);
}

/**
 * Streams the rows of `source` to `out` in `format`; resolves to the number of rows written. Never ends
 * `out`: the caller audits first and then ends it, so no export is complete without its audit record.
 */
export async function writeExport(source: ExportSource, format: ExportFormat, filter: ExportFilter, out: Writable): Promise<number> {
  let n = 0;
  const values = (row: Record<string, unknown>) => source.columns.map((c) => row[c] ?? null);
  if (format === 'csv') {
    await put(out, CSV_BOM + csvLine(source.columns));
    for await (const row of source.rows) {
      await put(out, csvLine(values(row)));
      n++;
    }
    return n;
  }
  if (format === 'json') {
    const layout = source.json ?? {
      dataSet: source.kind === 'rectifications' ? '整改记录' : '数据质检',
      fields: source.columns,
      record: (row: Record<string, unknown>) => row,
    };
    const head = { dataSet: layout.dataSet, kind: source.kind, filter: describeFilter(filter), fields: layout.fields };
    await put(out, `${JSON.stringify(head).slice(0, -1)},"records":[`);
    for await (const row of source.rows) {
      const fields = layout.record(row);
      const record = Object.fromEntries(layout.fields.map((c) => [c, fields[c] ?? null]));
      await put(out, `${n ? ',' : ''}\n${JSON.stringify(record)}`);
      n++;
    }
    await put(out, `\n],"count":${n}}\n`);
    return n;
  }
  // exceljs writes each committed row to the stream (no whole workbook in memory); it ends its stream, not `out`.
  const zip = new PassThrough();
  zip.pipe(out, { end: false });
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: zip, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet(SHEET_NAMES[source.kind]);
  sheet.addRow([...source.columns]).commit();
  for await (const row of source.rows) {
    sheet.addRow(values(row).map((v) => (v === null ? '' : (v as ExcelJS.CellValue)))).commit();
    // exceljs writes without backpressure: every 500 rows the zip gets a turn and a slow receiver is waited for.
    if (++n % 500 === 0) {
      await new Promise((resolve) => setImmediate(resolve));
      if (out.destroyed) throw new Error('the receiver closed the connection');
      if (out.writableNeedDrain) await drained(out);
    }
  }
  sheet.commit();
  await workbook.commit();
  if (!zip.readableEnded) await once(zip, 'end');
  return n;
}

/** The file name of an export: `ratings-20261101-20261130.csv`. */
export function exportFileName(kind: string, format: ExportFormat, filter: ExportFilter): string {
  const span = [filter.from, filter.to].filter((d) => d !== null).join('-');
  return `${kind}${span ? `-${span}` : ''}.${format}`;
}

/** Every export is audited: `export.<kind>`, with the filter and the row count (R12). */
export async function auditExport(
  app: Database & { clock: Clock },
  actor: Actor,
  source: ExportSource,
  format: ExportFormat,
  filter: ExportFilter,
  rows: number,
  outcome: 'ok' | 'failed',
): Promise<void> {
  await recordAudit(
    app,
    {
      actor,
      action: `export.${source.kind}`,
      subject: `${source.kind}.${format}`,
      outcome,
      detail: JSON.stringify({ ...describeFilter(filter), format, rows }),
    },
    app.clock.now().getTime(),
  );
}
