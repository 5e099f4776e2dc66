/**
 * `npx tsx bench/catalog-import.ts [--rows 100000] [--postgres URL]`: the catalog import rate (R25), a
 * script, not a test. Writes a generated catalog (regions, 200 departments, N items as a GBK CSV) to
 * a temp folder, runs `npm run import:catalog` on a fresh database (SQLite in the temp folder, or a
 * throwaway database on the given PostgreSQL server), then imports the items file again (every row
 * unchanged), and prints rows per second for both.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import pg from 'pg';
import { makeCreditCode } from '../server/src/catalog/credit-code.logic.js';

const argv = process.argv.slice(2);
const rows = Number(argv[argv.indexOf('--rows') + 1] ?? 100_000) || 100_000;
const pgAdmin = argv.includes('--postgres') ? argv[argv.indexOf('--postgres') + 1] : null;
const dir = mkdtempSync(join(tmpdir(), 'hcp-import-'));

const districts = Array.from({ length: 10 }, (_, i) => `4199${String(i + 10).padStart(2, '0')}000000`);
writeFileSync(
  join(dir, 'regions.csv'),
  ['code,name', '410000000000,示范省', '419900000000,河清市', ...districts.map((c, i) => `${c},第${i + 1}区`)].join('\n'),
);
const depts = Array.from({ length: 200 }, (_, i) => ({ code: makeCreditCode(districts[i % 10]!.slice(0, 6), 1000 + i), region: districts[i % 10]! }));
writeFileSync(
  join(dir, 'departments.csv'),
  ['统一社会信用代码,部门名称,行政区划代码', ...depts.map((d, i) => `${d.code},部门${i + 1},${d.region}`)].join('\n'),
);
const lines = ['实施编码,业务办理项编码,事项名称,事项类型,部门信用代码'];
for (let i = 0; i < rows; i++) {
  const task = `1141990${String(i).padStart(8, '0')}`;
  lines.push(
    `${task},${task}01,政务服务事项第${i + 1}项（含“引号”与,逗号）`.replace(',逗号', '，逗号') + `,${i % 2 ? '01' : '20'},${depts[i % depts.length]!.code}`,
  );
}
const itemsFile = join(dir, 'items.csv');
writeFileSync(itemsFile, iconv.encode(lines.join('\r\n'), 'gbk'));

async function main(): Promise<void> {
  if (argv.includes('--files-only')) {
    console.log(dir);
    return;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dir, SEED_DEMO: 'false', LOG_LEVEL: 'error' };
  let scratch: string | null = null;
  let client: pg.Client | null = null;
  if (pgAdmin) {
    scratch = `hcp_import_bench_${process.pid}`;
    client = new pg.Client({ connectionString: pgAdmin });
    await client.connect();
    await client.query(`create database ${scratch}`);
    const url = new URL(pgAdmin);
    url.pathname = `/${scratch}`;
    env.DATABASE_URL = url.toString();
  } else delete env.DATABASE_URL;
  const cli = (file: string) => {
    const start = performance.now();
    const run = spawnSync('npx', ['tsx', 'server/src/cli/import-catalog.ts', file], { env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`import of ${file} failed: ${run.stderr}`);
    return { ms: performance.now() - start, out: run.stdout, rate: /\((\d+) rows\/s\)/.exec(run.stderr)?.[1] ?? '?' };
  };
  try {
    cli(join(dir, 'regions.csv'));
    cli(join(dir, 'departments.csv'));
    const first = cli(itemsFile);
    const again = cli(itemsFile);
    const db = pgAdmin ? 'PostgreSQL' : 'SQLite';
    console.log(first.out.trim());
    console.log(again.out.trim());
    console.log(`${db}: ${rows} items created: ${first.rate} rows/s in the import (${(first.ms / 1000).toFixed(1)} s with process start)`);
    console.log(`${db}: ${rows} items re-imported, all unchanged: ${again.rate} rows/s in the import (${(again.ms / 1000).toFixed(1)} s with process start)`);
  } finally {
    if (client && scratch) {
      await client.query(`drop database ${scratch} with (force)`);
      await client.end();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
