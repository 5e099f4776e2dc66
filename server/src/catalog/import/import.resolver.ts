import { Readable } from 'node:stream';
import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../../common/context.js';
import { InvalidInputError } from '../../common/errors.js';
import type { Kernel } from '../../common/kernel.js';
import type { Database } from '../../db/orm.js';
import { importCatalog } from './import.service.js';
import { IMPORT_KINDS, type ImportKind } from './import-rows.logic.js';
import { CatalogImportReport } from './import.types.js';

/** What importing the catalog needs. */
export interface CatalogImportDeps extends Kernel, Database {}

@Resolver()
export class CatalogImportResolver {
  @Authorized('admin')
  @Mutation(() => CatalogImportReport, {
    description:
      'Imports regions, departments, halls, windows, staff and items from a CSV (UTF-8 or GBK), XLSX or JSON file (docs/exchange.md) in one transaction, reporting every rejected row; re-importing the same file changes nothing (R4, R25). At most IMPORT_MAX_BYTES; MALFORMED_FILE when the file cannot be read',
  })
  async importCatalog(
    @Arg('fileName', () => String) fileName: string,
    @Arg('contentBase64', () => String, { description: 'The file, base64-encoded' }) contentBase64: string,
    @Arg('dryRun', () => Boolean, { defaultValue: false }) dryRun: boolean,
    @Arg('skipRejected', () => Boolean, { defaultValue: false, description: 'Store the valid rows even when some are rejected' }) skipRejected: boolean,
    @Arg('encoding', () => String, { nullable: true, description: 'utf8 or gbk; detected when not given' }) encoding: string | null,
    @Arg('kind', () => String, { nullable: true, description: 'The kind of every row, when the headers do not tell' }) kind: string | null,
    @Ctx() { app }: Context<CatalogImportDeps>,
  ): Promise<CatalogImportReport> {
    if (encoding && !['utf8', 'gbk'].includes(encoding)) throw InvalidInputError.field('encoding', 'utf8 or gbk', encoding);
    if (kind && !IMPORT_KINDS.includes(kind as ImportKind)) throw InvalidInputError.field('kind', IMPORT_KINDS.join(', '), kind);
    if (!/^[\w\u4e00-\u9fff .()（）-]{1,120}\.(csv|txt|xlsx|json)$/i.test(fileName))
      throw InvalidInputError.field('fileName', 'a .csv, .xlsx or .json file name', fileName);
    const limit = app.config.importMaxBytes;
    if (contentBase64.length > Math.ceil((limit * 4) / 3) + 4) {
      const kib = (bytes: number) => `${Math.ceil(bytes / 1024)} KiB`;
      throw new InvalidInputError(
        `文件过大：页面上传最多 ${kib(limit)}（IMPORT_MAX_BYTES），本文件约 ${kib((contentBase64.length * 3) / 4)}；更大的文件请用 npm run import:catalog 导入 ` +
          `(the upload takes at most ${limit} bytes; use npm run import:catalog for larger files)`,
        { field: 'contentBase64', limit },
      );
    }
    const content = Buffer.from(contentBase64, 'base64');
    return importCatalog(
      app,
      { fileName, head: content.subarray(0, 64 * 1024), open: () => Readable.from([content]) },
      { dryRun, skipRejected, encoding: encoding as 'utf8' | 'gbk' | null, kind: kind as ImportKind | null },
    );
  }
}
