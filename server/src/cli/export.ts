import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Actor } from '../common/actor.js';
import { systemClock } from '../common/clock.js';
import { loadConfig } from '../common/config.js';
import { DomainError } from '../common/errors.js';
import { dialectOf, openDatabase } from '../db/orm.js';
import { allEntities } from '../app/entities.js';
import { EXPORT_KINDS, exportSource, parseExportFilter, type ExportKind } from '../exchange/export.service.js';
import { auditExport, EXPORT_FORMATS, writeExport, type ExportFormat } from '../exchange/export.writer.js';

/**
 * `npm run export -- --kind ratings|rectifications|quality-findings --format csv|xlsx|json
 * [--department ID] [--region CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--out FILE]`: the same
 * export as `GET /export/…`, run by the operator with database access (everything in scope, as an
 * administrator), to FILE or stdout; the row count goes to stderr; audited as `export.<kind>`.
 */
const USAGE =
  'usage: npm run export -- --kind ratings|rectifications|quality-findings --format csv|xlsx|json [--department ID] [--region CODE] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--out FILE]';

const CLI_ACTOR: Actor = { role: 'admin', label: 'cli:export' };

function option(argv: string[], name: string): string | null {
  const at = argv.indexOf(name);
  return at >= 0 ? (argv[at + 1] ?? null) : null;
}

async function main(argv: string[]): Promise<number> {
  const kind = option(argv, '--kind') ?? 'ratings';
  const format = option(argv, '--format') ?? 'csv';
  if (!EXPORT_KINDS.includes(kind as ExportKind) || !EXPORT_FORMATS.includes(format as ExportFormat)) {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const names: Record<string, string> = { departmentId: '--department', regionCode: '--region', from: '--from', to: '--to' };
  const config = loadConfig();
  const target = { databaseUrl: config.databaseUrl, sqliteFile: join(config.dataDir, 'haochaping.sqlite') };
  // stdout may carry the export itself: the ORM's migration messages go to stderr.
  console.log = (...args: unknown[]) => console.error(...args);
  const orm = await openDatabase(target, allEntities);
  const app = { orm, dialect: dialectOf(target), clock: systemClock };
  const file = option(argv, '--out');
  try {
    const filter = parseExportFilter((name) => option(argv, names[name]!));
    const source = await exportSource(app, CLI_ACTOR, kind as ExportKind, filter);
    const out: Writable = file ? createWriteStream(file) : process.stdout;
    const rows = await writeExport(source, format as ExportFormat, filter, out);
    await auditExport(app, CLI_ACTOR, source, format as ExportFormat, filter, rows, 'ok');
    if (file) {
      out.end();
      if (!out.writableFinished) await once(out, 'finish');
    } else if (process.stdout.writableLength > 0) await once(process.stdout, 'drain');
    process.stderr.write(`${rows} rows\n`);
    return 0;
  } catch (err) {
    if (err instanceof DomainError) {
      process.stderr.write(`${err.code}: ${err.message}\n`);
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
    process.stderr.write(`export failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  },
);
