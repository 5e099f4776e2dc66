import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { loadConfig } from '../common/config.js';
import { DomainError } from '../common/errors.js';
import { dialectOf, openDatabase } from '../db/orm.js';
import { allEntities } from '../app/entities.js';
import { importCatalog, type ImportReport } from '../catalog/import/import.service.js';
import { IMPORT_KINDS, type ImportKind } from '../catalog/import/import-rows.logic.js';

/**
 * `npm run import:catalog -- FILE [--dry-run] [--encoding utf8|gbk] [--kind items] [--skip-rejected] [--json]`:
 * imports regions, departments, halls, windows, staff and items from CSV, XLSX or JSON (R4, R25;
 * docs/exchange.md) in one transaction, with a progress bar on stderr and the report on stdout.
 * Exit code 0 when stored (or a clean dry run), 1 when rows were rejected (nothing stored unless
 * --skip-rejected), 2 when the file cannot be read at all (MALFORMED_FILE) or on error.
 */
const USAGE =
  'usage: npm run import:catalog -- FILE [--dry-run] [--encoding utf8|gbk] [--kind regions|departments|halls|windows|staff|items] [--skip-rejected] [--json]';

function option(argv: string[], name: string): string | null {
  const at = argv.indexOf(name);
  return at >= 0 ? (argv[at + 1] ?? null) : null;
}

function head(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0));
  } finally {
    closeSync(fd);
  }
}

function progressBar(total: number): { update(p: { rows: number; bytes: number }): void; done(): void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  const draw = (p: { rows: number; bytes: number }) => {
    const share = total ? Math.min(1, p.bytes / total) : 0;
    const width = 30;
    const filled = Math.round(share * width);
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${p.rows} rows`;
    process.stderr.write(tty ? `\r${line}` : `${line}\n`);
  };
  return {
    update(p) {
      const now = Date.now();
      if (now - last < (tty ? 100 : 2000)) return;
      last = now;
      draw(p);
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}

export function printReport(report: ImportReport, out: NodeJS.WritableStream): void {
  out.write(`${report.fileName} (${report.format}): ${report.rows} rows\n`);
  for (const k of report.kinds)
    out.write(`  ${k.kind.padEnd(12)} created ${k.created}, updated ${k.updated}, unchanged ${k.unchanged}, rejected ${k.rejected}\n`);
  for (const r of report.rejected) out.write(`  rejected ${r.kind} row ${r.row} [${r.column || '-'}] ${r.code}: ${r.message}\n`);
  if (report.rejectedCount > report.rejected.length) out.write(`  … and ${report.rejectedCount - report.rejected.length} more rejected rows\n`);
  out.write(
    report.committed
      ? 'stored (one transaction)\n'
      : report.dryRun
        ? 'dry run: nothing stored\n'
        : 'nothing stored: fix the rejected rows and import again (or --skip-rejected)\n',
  );
}

async function main(argv: string[]): Promise<number> {
  const file = argv.find((a, i) => !a.startsWith('--') && !['--encoding', '--kind'].includes(argv[i - 1] ?? ''));
  if (!file) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const encoding = option(argv, '--encoding');
  if (encoding && !['utf8', 'utf-8', 'gbk', 'gb18030'].includes(encoding.toLowerCase())) throw new Error(`--encoding must be utf8 or gbk\n${USAGE}`);
  const kind = option(argv, '--kind');
  if (kind && !IMPORT_KINDS.includes(kind as ImportKind)) throw new Error(`--kind must be one of ${IMPORT_KINDS.join(', ')}`);
  const config = loadConfig();
  const target = { databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'haochaping.sqlite') };
  const orm = await openDatabase(target, allEntities);
  const bar = progressBar(statSync(file).size);
  const started = performance.now();
  try {
    const report = await importCatalog(
      { orm, dialect: dialectOf(target) },
      { fileName: basename(file), head: head(file), open: () => createReadStream(file) },
      {
        encoding: encoding ? (encoding.toLowerCase().startsWith('utf') ? 'utf8' : 'gbk') : null,
        kind: (kind as ImportKind | null) ?? null,
        dryRun: argv.includes('--dry-run'),
        skipRejected: argv.includes('--skip-rejected'),
        onProgress: (p) => bar.update(p),
      },
    );
    bar.done();
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(`${report.rows} rows in ${seconds.toFixed(1)} s (${Math.round(report.rows / seconds)} rows/s)\n`);
    if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else printReport(report, process.stdout);
    return report.rejectedCount > 0 ? 1 : 0;
  } catch (err) {
    bar.done();
    if (err instanceof DomainError) {
      process.stderr.write(`${err.code}: ${err.message}\nnothing stored\n`);
      return 2;
    }
    throw err;
  } finally {
    await orm.close(true);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`import:catalog failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
