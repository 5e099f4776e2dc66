import { Transform, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { MalformedFileError } from '../../common/errors.js';
import { IMPORT_KINDS, columnMap, kindOfHeaders, kindOfName, normalizeHeader, type ImportKind, LAYOUTS } from './import-rows.logic.js';

/**
 * Reading catalog files (R4, R25): CSV in UTF-8 or GBK (iconv-lite, csv-parse, streamed row by row),
 * XLSX (exceljs's streaming reader, sheet by sheet) and JSON (read whole, at most JSON_MAX_BYTES), each turned into raw rows (field → text) of one kind, with the row number a person
 * finds in the file. A file that cannot be read as a whole is MALFORMED_FILE.
 */
export type ImportFormat = 'csv' | 'xlsx' | 'json';
export type ImportEncoding = 'utf8' | 'gbk';

export interface RawRow {
  kind: ImportKind;
  /** CSV: the line the row ends on; XLSX: the sheet's row number; JSON: the element's position, from 1. */
  row: number;
  sheet: string | null;
  values: Record<string, string>;
  /** A problem of the row's shape (a CSV row with another number of columns than the header). */
  problem?: { column: string; message: string };
}

export interface ReadOptions {
  format?: ImportFormat | null;
  encoding?: ImportEncoding | null;
  kind?: ImportKind | null;
  /** Called as bytes are read (for a progress bar). */
  onBytes?: (bytes: number) => void;
}

export function formatOf(fileName: string, head: Buffer): ImportFormat {
  const ext = /\.([a-z0-9]+)$/i.exec(fileName)?.[1]?.toLowerCase();
  if (ext === 'xlsx') return 'xlsx';
  if (ext === 'json') return 'json';
  if (ext === 'csv' || ext === 'txt') return 'csv';
  if (head[0] === 0x50 && head[1] === 0x4b) return 'xlsx';
  const first = head
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart()[0];
  if (first === '{' || first === '[') return 'json';
  return 'csv';
}

/** UTF-8 when the head decodes as UTF-8 (or has its BOM), else GBK (GB18030 covers it). */
export function detectEncoding(head: Buffer): ImportEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf8';
  // Cut a multi-byte character the head may end inside of.
  let end = head.length;
  for (let i = head.length - 1; i >= Math.max(0, head.length - 4); i--) {
    if (head[i]! < 0x80) break;
    if (head[i]! >= 0xc0) {
      end = i;
      break;
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, end));
    return 'utf8';
  } catch {
    return 'gbk';
  }
}

export function readRows(open: () => Readable, head: Buffer, fileName: string, options: ReadOptions = {}): AsyncGenerator<RawRow> {
  const format = options.format ?? formatOf(fileName, head);
  if (format === 'xlsx') return readXlsx(counted(open(), options.onBytes), options);
  if (format === 'json') return readJson(counted(open(), options.onBytes), options);
  return readCsv(counted(open(), options.onBytes), options.encoding ?? detectEncoding(head), options);
}

function counted(stream: Readable, onBytes?: (bytes: number) => void): Readable {
  if (!onBytes) return stream;
  let total = 0;
  return stream.pipe(
    new Transform({
      transform(chunk: Buffer, _enc, done) {
        total += chunk.length;
        onBytes(total);
        done(null, chunk);
      },
    }),
  );
}

function layoutOf(kind: ImportKind | null, headers: string[], where: string, encodingHint: string): { kind: ImportKind; columns: Map<string, number> } {
  const found = kind ?? kindOfHeaders(headers);
  if (!found) {
    throw new MalformedFileError(
      `${where}: the headers (${headers.slice(0, 8).join(', ')}) match no catalog layout (regions, departments, halls, windows, staff, items; docs/exchange.md)${encodingHint}`,
      { reason: 'UNKNOWN_LAYOUT' },
    );
  }
  const { columns, missing } = columnMap(found, headers);
  if (missing.length) {
    throw new MalformedFileError(`${where}: a ${found} file needs the columns ${missing.join(', ')}${encodingHint}`, {
      reason: 'MISSING_COLUMNS',
      kind: found,
      missing,
    });
  }
  return { kind: found, columns };
}

function valuesOf(columns: Map<string, number>, cells: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [field, at] of columns) values[field] = cells[at] ?? '';
  return values;
}

async function* readCsv(stream: Readable, encoding: ImportEncoding, options: ReadOptions): AsyncGenerator<RawRow> {
  const parser = stream
    .pipe(iconv.decodeStream(encoding === 'gbk' ? 'gb18030' : 'utf8'))
    .pipe(parse({ bom: true, relax_column_count: true, skip_empty_lines: true, info: true }));
  let layout: { kind: ImportKind; columns: Map<string, number> } | null = null;
  let width = 0;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
      if (!layout) {
        const headers = record.map((h) => h.trim());
        const garbled = headers.some((h) => h.includes('\uFFFD'));
        const hint =
          garbled || encoding === 'gbk' ? ` (read as ${encoding === 'gbk' ? 'GBK' : 'UTF-8'}; try --encoding ${encoding === 'gbk' ? 'utf8' : 'gbk'})` : '';
        layout = layoutOf(options.kind ?? null, headers, 'CSV header', hint);
        width = headers.length;
        continue;
      }
      if (record.every((c) => c.trim() === '')) continue;
      const row: RawRow = { kind: layout.kind, row: info.lines, sheet: null, values: valuesOf(layout.columns, record) };
      if (record.length !== width) row.problem = { column: '', message: `the row has ${record.length} columns, the header ${width}` };
      yield row;
    }
  } catch (err) {
    if (err instanceof MalformedFileError) throw err;
    const e = err as { code?: string; lines?: number; message?: string };
    throw new MalformedFileError(`the CSV cannot be read${e.lines ? ` at line ${e.lines}` : ''}: ${e.message ?? String(err)}`, {
      reason: 'CSV_SYNTAX',
      line: e.lines ?? null,
    });
  }
  if (!layout) throw new MalformedFileError('the CSV file is empty (no header row)', { reason: 'EMPTY' });
}

function cellText(value: unknown): string {
  if (value == null) return '';
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'object') {
    const v = value as { richText?: Array<{ text: string }>; text?: unknown; result?: unknown; error?: unknown };
    if (v.richText) return v.richText.map((r) => r.text).join('');
    if (v.text !== undefined) return cellText(v.text);
    if (v.result !== undefined) return cellText(v.result);
    return '';
  }
  return String(value);
}

async function* readXlsx(stream: Readable, options: ReadOptions): AsyncGenerator<RawRow> {
  let sheets = 0;
  try {
    const reader = new ExcelJS.stream.xlsx.WorkbookReader(stream, {
      worksheets: 'emit',
      sharedStrings: 'cache',
      hyperlinks: 'ignore',
      styles: 'ignore',
      entries: 'ignore',
    });
    for await (const sheet of reader) {
      const name = (sheet as unknown as { name: string }).name;
      let layout: { kind: ImportKind; columns: Map<string, number> } | null = null;
      for await (const row of sheet) {
        const cells = (row.values as unknown[]).slice(1).map((v) => cellText(v).trim());
        if (!layout) {
          if (cells.every((c) => !c)) continue;
          layout = layoutOf(options.kind ?? kindOfName(name), cells, `sheet ${JSON.stringify(name)}`, '');
          sheets++;
          continue;
        }
        if (cells.every((c) => !c)) continue;
        yield { kind: layout.kind, row: row.number, sheet: name, values: valuesOf(layout.columns, cells) };
      }
    }
  } catch (err) {
    if (err instanceof MalformedFileError) throw err;
    throw new MalformedFileError(`the XLSX file cannot be read: ${err instanceof Error ? err.message : String(err)}`, { reason: 'XLSX_UNREADABLE' });
  }
  if (sheets === 0) throw new MalformedFileError('the XLSX file has no sheet with a header row', { reason: 'EMPTY' });
}

/**
 * JSON is parsed whole (its keys may come in any order, and regions must be applied first), so a JSON
 * file is bounded; CSV and XLSX are streamed row by row and have no bound.
 */
export const JSON_MAX_BYTES = 64 * 1024 * 1024;

async function* readJson(stream: Readable, options: ReadOptions): AsyncGenerator<RawRow> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > JSON_MAX_BYTES) {
      stream.destroy();
      throw new MalformedFileError(
        `a JSON catalog file may be at most ${JSON_MAX_BYTES / 1024 / 1024} MiB (it is read whole); split it, or use CSV or XLSX, which are read as a stream without a size limit`,
        { reason: 'TOO_LARGE', limit: JSON_MAX_BYTES },
      );
    }
    chunks.push(chunk as Buffer);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(
      Buffer.concat(chunks)
        .toString('utf8')
        .replace(/^\uFEFF/, ''),
    );
  } catch (err) {
    throw new MalformedFileError(`the JSON cannot be read: ${err instanceof Error ? err.message : String(err)}`, { reason: 'JSON_SYNTAX' });
  }
  const lists: Array<[ImportKind, unknown[]]> = [];
  if (Array.isArray(doc)) {
    const first = doc.find((r) => r && typeof r === 'object') as Record<string, unknown> | undefined;
    const kind = options.kind ?? (first ? kindOfHeaders(Object.keys(first)) : null);
    if (!kind) throw new MalformedFileError('a JSON array needs --kind, or rows whose keys name a layout (docs/exchange.md)', { reason: 'UNKNOWN_LAYOUT' });
    lists.push([kind, doc]);
  } else if (doc && typeof doc === 'object') {
    for (const [key, list] of Object.entries(doc)) {
      const kind = kindOfName(key);
      if (!kind)
        throw new MalformedFileError(`unknown key ${JSON.stringify(key)} in the JSON; expected ${IMPORT_KINDS.join(', ')}`, { reason: 'UNKNOWN_LAYOUT' });
      if (!Array.isArray(list)) throw new MalformedFileError(`${key} must be an array of rows`, { reason: 'JSON_SHAPE' });
      lists.push([kind, list]);
    }
    // Regions before departments before items, whatever the key order.
    lists.sort((a, b) => IMPORT_KINDS.indexOf(a[0]) - IMPORT_KINDS.indexOf(b[0]));
  } else {
    throw new MalformedFileError('the JSON must be an object of row arrays or an array of rows', { reason: 'JSON_SHAPE' });
  }
  for (const [kind, list] of lists) {
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      if (!item || typeof item !== 'object' || Array.isArray(item)) {
        yield { kind, row: i + 1, sheet: kind, values: {}, problem: { column: '', message: 'each row must be an object' } };
        continue;
      }
      const values: Record<string, string> = {};
      const byKey = new Map(Object.entries(item as Record<string, unknown>).map(([k, v]) => [normalizeHeader(k), v]));
      for (const spec of LAYOUTS[kind]) {
        const alias = spec.aliases.find((a) => byKey.has(a));
        if (alias !== undefined) values[spec.field] = cellText(byKey.get(alias));
      }
      yield { kind, row: i + 1, sheet: kind, values };
    }
  }
}
