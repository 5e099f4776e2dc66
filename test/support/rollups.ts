import type { App } from '../../server/src/app/app.js';
import type { Em } from '../../server/src/db/orm.js';

/** All-time count of a rollup scope, read straight from the counters (what screens are built from). */
export async function rollupTotal(app: App, scope: string, opts: { bucket?: 'H' | 'C'; isDefault?: boolean } = {}): Promise<number> {
  const params: unknown[] = [opts.bucket ?? 'H', scope];
  let sql = `select coalesce(sum(n), 0) as n from rollup_count where grain = 'A' and bucket = ? and scope = ?`;
  if (opts.isDefault !== undefined) {
    sql += ' and is_default = ?';
    params.push(opts.isDefault ? 1 : 0);
  }
  const rows = await (app.orm.em.fork() as Em).execute<Array<{ n: number | string }>>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

export async function countRows(app: App, table: string, where = '1 = 1', params: unknown[] = []): Promise<number> {
  const rows = await (app.orm.em.fork() as Em).execute<Array<{ n: number | string }>>(`select count(*) as n from ${table} where ${where}`, params);
  return Number(rows[0]?.n ?? 0);
}
