/**
 * `npx tsx bench/scenarios/screen-ab.ts <other checkout> [loads]`: the `screen` scenario's cold loads of
 * /screen, alternating between this checkout's built dashboard and another checkout's (each served by its
 * own spawned server, same seed), so that both see the same machine load (P8 before/after on a shared
 * machine). Prints p50/p95 of navigation → first live figures for each; records nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { launchQuietChromium } from '../../test/support/chromium.js';
import type { SpawnedServer, SpawnOptions } from '../lib/spawned-server.js';
import { spawnServer } from '../lib/spawned-server.js';
import { summarize } from '../lib/stats.js';
import { say } from '../lib/util.js';
import { loadScreen } from './screen.js';

const other = resolve(process.argv[2] ?? '');
const loads = Number(process.argv[3] ?? 10);
const options = (dataDir: string): SpawnOptions => ({
  databaseUrl: '',
  redisUrl: '',
  dataDir,
  workers: 1,
  env: { SEED_DEMO: 'true', SEED_RATINGS: '4000', SERVE_DASHBOARD: 'true', MIN_PUBLIC_RATINGS: '0' },
});
const dirs = [mkdtempSync(join(tmpdir(), 'hcp-ab-a-')), mkdtempSync(join(tmpdir(), 'hcp-ab-b-'))];
// The other checkout's own spawner: its server runs there and serves that checkout's dist/dashboard.
const otherSpawn = ((await import(join(other, 'bench', 'lib', 'spawned-server.ts'))) as { spawnServer: typeof spawnServer }).spawnServer;
const servers: SpawnedServer[] = [await spawnServer(options(dirs[0]!)), await otherSpawn(options(dirs[1]!))];
const browser = await launchQuietChromium();
try {
  const names = ['this checkout', other];
  const firsts: number[][] = [[], []];
  for (const s of servers) await loadScreen(browser, s.url); // unrecorded: the servers' first compilation
  const before = loadavg();
  for (let i = 0; i < loads; i++) {
    for (const k of i % 2 ? [1, 0] : [0, 1]) firsts[k]!.push((await loadScreen(browser, servers[k]!.url)).firstMs);
  }
  const after = loadavg();
  say(`load average before ${before.map((l) => l.toFixed(2)).join(' / ')}, after ${after.map((l) => l.toFixed(2)).join(' / ')}`);
  for (const k of [0, 1]) {
    const s = summarize(firsts[k]!);
    say(`${names[k]}: first figures p50 ${s.p50.toFixed(0)} ms, p95 ${s.p95.toFixed(0)} ms (${firsts[k]!.map((f) => f.toFixed(0)).join(', ')})`);
  }
} finally {
  await browser.close();
  for (const s of servers) await s.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
