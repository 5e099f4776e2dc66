/**
 * Load worker (child process) driving autocannon's programmatic API: `connections` keep-alive sockets
 * for `durationS` seconds after `warmupS` seconds of warm-up, one request body per request (ratings
 * and registrations each name a service no other request names). A response counts as good when its
 * status is 200 and its body holds no GraphQL `errors`. Receives one LoadSpec, replies one LoadResult.
 * Forked by runAutocannon in spawn.ts; autocannon runs in this process only, never in the server's.
 */
import autocannon from 'autocannon';
import { requireParent } from './http-post.js';
import type { LoadResult, LoadSpec } from './protocol.js';

const send = requireParent('bench/load/autocannon-load');

interface Counts {
  next: number;
  exhausted: boolean;
  good: number;
  bad: number;
  firstError?: string;
}

function bodyOf(spec: LoadSpec, counts: Counts): string | null {
  if (spec.body.kind === 'fixed') return spec.body.text;
  if (counts.next >= spec.body.count) {
    counts.exhausted = true;
    return null;
  }
  const projectNo = `${spec.body.prefix}${String(counts.next++).padStart(7, '0')}`;
  if (spec.body.kind === 'register') return JSON.stringify({ query: spec.body.query, variables: { input: { ...spec.body.input, projectNo } } });
  return JSON.stringify({ query: spec.body.query, variables: { input: { projectNo, serviceNumber: 1, level: 5 } } });
}

async function run(spec: LoadSpec, durationS: number, counts: Counts): Promise<autocannon.Result> {
  const fixed = spec.body.kind === 'fixed' ? spec.body.text : undefined;
  return autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: durationS,
    method: 'POST',
    headers: spec.headers,
    body: fixed,
    requests: [
      {
        method: 'POST',
        // A fixed body needs no per-request work; the others take the next service's number.
        ...(fixed
          ? {}
          : {
              setupRequest: (req: autocannon.Request) => {
                // Past the prepared services a request names none (counted as failed, reported as exhausted).
                const body = bodyOf(spec, counts) ?? JSON.stringify({ query: '{ me { role } }', variables: { exhausted: true } });
                return { ...req, body };
              },
            }),
        onResponse: (status, body) => {
          if (status === 200 && !body.includes('"errors"')) counts.good += 1;
          else {
            counts.bad += 1;
            counts.firstError ??= `${status} ${body.slice(0, 300)}`;
          }
        },
      },
    ],
  });
}

process.once('message', async (spec: LoadSpec) => {
  const counts: Counts = { next: 0, exhausted: false, good: 0, bad: 0 };
  const cpuAtStart = process.cpuUsage();
  let warmupRequests = 0;
  if (spec.warmupS > 0) warmupRequests = (await run(spec, spec.warmupS, counts)).requests.total;
  counts.good = 0;
  counts.bad = 0;
  counts.firstError = undefined;
  const result = await run(spec, spec.durationS, counts);
  const cpu = process.cpuUsage(cpuAtStart);
  const seconds = spec.durationS;
  const latency = result.latency;
  const out: LoadResult = {
    requests: counts.good + counts.bad,
    ok: counts.good,
    failed: counts.bad + result.errors + result.timeouts,
    firstError: counts.firstError ?? (result.errors ? `${result.errors} socket errors` : undefined),
    perSec: counts.good / seconds,
    latency: { n: result.requests.total, min: latency.min, p50: latency.p50, p95: latency.p97_5, p99: latency.p99, max: latency.max, mean: latency.average },
    exhausted: counts.exhausted,
    seconds,
    generator: `autocannon ${result.connections} connections, pipelining ${result.pipelining}; p95 holds autocannon's p97.5`,
    whole: { requests: warmupRequests + result.requests.total, generatorCpuMs: (cpu.user + cpu.system) / 1000 },
  };
  send(out);
});
