/**
 * `npx tsx bench/scenarios/screen-profile.ts [loads]`: the critical chain of a cold /screen load (P8),
 * for finding where the time goes (not part of `npm run bench`; it prints, it does not record).
 *
 * Same setup as the `screen` scenario (spawned server on a demo-seeded SQLite database, built dashboard,
 * Debian's Chromium, a new context per load), plus a Chromium performance trace of each load: every
 * request (start, response, end, render-blocking or not), the main thread's work (HTML parse, style sheet
 * parse, script compile and evaluation, style, layout, paint), the graphql-ws frames (connection_init,
 * connection_ack, subscribe, first next, with their ids), the page's own marks and the moment the total
 * counter first holds the server's number. Times are from navigation start, in ms.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execSync } from 'node:child_process';
import { tmpdir, loadavg } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchQuietChromium } from '../../test/support/chromium.js';
import { spawnServer } from '../lib/spawned-server.js';
import { ROOT, say } from '../lib/util.js';
import { WATCH_COUNTER } from './screen.js';

interface TraceEvent {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { data?: Record<string, unknown>; beginData?: Record<string, unknown>; [k: string]: unknown };
}

const CATEGORIES = [
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'blink.user_timing',
  'loading',
  'netlog',
  'blink',
  'navigation',
];

const ms = (n: number) => n.toFixed(0).padStart(5);

async function profileOnce(browser: Browser, url: string, print: boolean): Promise<number> {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, serviceWorkers: 'block' });
  try {
    const page = await context.newPage();
    await page.addInitScript(WATCH_COUNTER);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    const frames: Array<{ t: number; dir: 'send' | 'recv'; text: string }> = [];
    const ws: Array<{ t: number; what: string }> = [];
    cdp.on('Network.webSocketCreated', () => ws.push({ t: -1, what: 'created' }));
    cdp.on('Network.webSocketWillSendHandshakeRequest', (e) => ws.push({ t: e.timestamp, what: 'handshake sent' }));
    cdp.on('Network.webSocketHandshakeResponseReceived', (e) => ws.push({ t: e.timestamp, what: 'handshake answered (101)' }));
    cdp.on('Network.webSocketFrameSent', (e) => frames.push({ t: e.timestamp, dir: 'send', text: e.response.payloadData }));
    cdp.on('Network.webSocketFrameReceived', (e) => frames.push({ t: e.timestamp, dir: 'recv', text: e.response.payloadData }));
    await browser.startTracing(page, { categories: CATEGORIES });
    await page.goto(`${url}/screen`, { waitUntil: 'commit' });
    await page.waitForFunction(() => (window as unknown as { __hcpFirst?: unknown }).__hcpFirst !== undefined, null, { timeout: 120_000 });
    await page.waitForLoadState('load');
    const pageSide = await page.evaluate(() => {
      const first = (window as unknown as { __hcpFirst: { dom: number; at: number; value: number } }).__hcpFirst;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const marks = performance.getEntriesByType('mark').map((m) => ({ name: m.name, t: m.startTime }));
      const paints = performance.getEntriesByType('paint').map((m) => ({ name: m.name, t: m.startTime }));
      const resources = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((r) => ({
        name: r.name.replace(location.origin, ''),
        start: r.startTime,
        responseStart: r.responseStart,
        end: r.responseEnd,
        size: r.encodedBodySize,
        blocking: (r as unknown as { renderBlockingStatus?: string }).renderBlockingStatus ?? '',
        initiator: r.initiatorType,
      }));
      return {
        first,
        marks,
        paints,
        resources,
        nav: { responseEnd: nav.responseEnd, domInteractive: nav.domInteractive, dcl: nav.domContentLoadedEventStart, load: nav.loadEventStart },
      };
    });
    const trace = JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] };
    const events = trace.traceEvents;
    // Navigation start in trace time: the blink.user_timing navigationStart of the page's main frame.
    const navStart =
      events
        .filter((e) => e.name === 'navigationStart' && e.cat.includes('blink.user_timing'))
        .map((e) => e.ts)
        .pop() ?? 0;
    const rel = (tsMicros: number) => (tsMicros - navStart) / 1000;
    const relSeconds = (s: number) => (s * 1e6 - navStart) / 1000;
    if (!print) return pageSide.first.at;

    // The renderer main thread: the thread of the ParseHTML events.
    const parse = events.find((e) => e.name === 'ParseHTML' && String(e.args?.beginData?.url ?? '').includes('/screen'));
    const main = events.filter((e) => parse && e.pid === parse.pid && e.tid === parse.tid && e.ph === 'X' && (e.dur ?? 0) >= 1000);
    say(
      `\n-- load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}`,
    );
    say(`-- resources (ms from navigation start; size = encoded body bytes)`);
    say(
      `   html: response end ${ms(pageSide.nav.responseEnd)}; domInteractive ${ms(pageSide.nav.domInteractive)}; DCL ${ms(pageSide.nav.dcl)}; load ${ms(pageSide.nav.load)}`,
    );
    for (const r of pageSide.resources.filter((r) => !r.name.endsWith('.woff2')))
      say(
        `   ${ms(r.start)} → ${ms(r.responseStart)} → ${ms(r.end)}  ${String(r.size).padStart(7)} B ${r.blocking.padEnd(15)} ${r.initiator.padEnd(10)} ${r.name}`,
      );
    const fonts = pageSide.resources.filter((r) => r.name.endsWith('.woff2'));
    if (fonts.length)
      say(
        `   fonts: ${fonts.length} files, ${fonts.reduce((s, f) => s + f.size, 0)} B, first start ${ms(Math.min(...fonts.map((f) => f.start)))}, last end ${ms(Math.max(...fonts.map((f) => f.end)))}`,
      );
    say(`-- web socket`);
    for (const w of ws.filter((w) => w.t >= 0)) say(`   ${ms(relSeconds(w.t))} ${w.what}`);
    for (const f of frames) say(`   ${ms(relSeconds(f.t))} ${f.dir} ${f.text.slice(0, 110)}`);
    say(`-- marks and paints`);
    for (const m of [...pageSide.marks, ...pageSide.paints].sort((a, b) => a.t - b.t)) say(`   ${ms(m.t)} ${m.name}`);
    say(`   ${ms(pageSide.first.dom)} counter-total data-value set (${pageSide.first.value}); next frame ${ms(pageSide.first.at)}`);
    say(`-- main thread tasks ≥ 1 ms (start, duration)`);
    const interesting =
      /^(ParseHTML|ParseAuthorStyleSheet|EvaluateScript|v8\.compile|v8\.compileModule|v8\.evaluateModule|FunctionCall|UpdateLayoutTree|Layout|Paint|PrePaint|Commit|TimerFire|FireAnimationFrame|EventDispatch|RunMicrotasks|v8\.run|CompileScript|CompileCode|ScheduleStyleRecalculation|ResourceReceivedData|HitTest|MajorGC|MinorGC|V8\.GC.*|BlinkGC.*)$/;
    const top = main.filter((e) => (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask') && (e.dur ?? 0) >= 4000);
    for (const task of top) {
      if (rel(task.ts) < -50 || rel(task.ts) > pageSide.first.at + 50) continue;
      const inside = main
        .filter((e) => e !== task && e.ts >= task.ts && e.ts + (e.dur ?? 0) <= task.ts + (task.dur ?? 0) && interesting.test(e.name))
        .map((e) => {
          const d = e.args?.data ?? e.args?.beginData ?? {};
          const what = (d.url as string | undefined) ?? (d.styleSheetUrl as string | undefined) ?? (d.functionName as string | undefined) ?? '';
          return `${e.name}${what ? `(${String(what).replace(url, '').slice(0, 50)})` : ''} ${((e.dur ?? 0) / 1000).toFixed(1)}`;
        })
        .slice(0, 8);
      say(`   ${ms(rel(task.ts))} ${((task.dur ?? 0) / 1000).toFixed(1).padStart(6)} ms  ${inside.join(' · ')}`);
    }
    return pageSide.first.at;
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  const loads = Number(process.argv[2] ?? 3);
  if (!existsSync(join(ROOT, 'dist', 'dashboard', 'index.html'))) execSync('npm run -s build:dashboard', { cwd: ROOT, stdio: 'inherit' });
  const dataDir = mkdtempSync(join(tmpdir(), 'hcp-screen-profile-'));
  const server = await spawnServer({
    databaseUrl: '',
    redisUrl: '',
    dataDir,
    workers: 1,
    env: { SEED_DEMO: 'true', SEED_RATINGS: '4000', SERVE_DASHBOARD: 'true', MIN_PUBLIC_RATINGS: '0' },
  });
  const browser = await launchQuietChromium();
  try {
    await profileOnce(browser, server.url, false); // the server's first compilation of the queries
    const firsts: number[] = [];
    for (let i = 0; i < loads; i++) firsts.push(await profileOnce(browser, server.url, true));
    say(`\nfirst figures (traced, so slower than the benchmark): ${firsts.map((f) => f.toFixed(0)).join(', ')} ms`);
  } finally {
    await browser.close();
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
