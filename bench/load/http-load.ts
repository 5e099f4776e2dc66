/**
 * Load worker (child process): HTTP POSTs to the server as fast as `connections` keep-alive sockets
 * allow (like autocannon would), for `durationS` after `warmupS`. Receives one LoadSpec, replies
 * with one LoadResult. Forked by runLoad in spawn.ts.
 */
import { Agent } from 'node:http';
import { summarize } from '../lib/stats.js';
import { httpPost, requireParent } from './http-post.js';
import type { LoadResult, LoadSpec } from './protocol.js';

const send = requireParent('bench/load/http-load');

process.once('message', async (spec: LoadSpec) => {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const url = new URL(spec.url);
  let next = 0;
  let exhausted = false;
  const bodyFor = (): string | null => {
    if (spec.body.kind === 'fixed') return spec.body.text;
    if (next >= spec.body.count) {
      exhausted = true;
      return null;
    }
    const i = next++;
    const projectNo = `${spec.body.prefix}${String(i).padStart(7, '0')}`;
    if (spec.body.kind === 'register') return JSON.stringify({ query: spec.body.query, variables: { input: { ...spec.body.input, projectNo } } });
    return JSON.stringify({ query: spec.body.query, variables: { input: { projectNo, serviceNumber: 1, level: 5 } } });
  };
  const postOnce = (body: string) => httpPost(agent, url, spec.headers, body);
  const warmupEnd = performance.now() + spec.warmupS * 1000;
  const end = warmupEnd + spec.durationS * 1000;
  let ok = 0;
  let failed = 0;
  let firstError: string | undefined;
  const latencies: number[] = [];
  const loop = async () => {
    for (;;) {
      const started = performance.now();
      if (started >= end) return;
      const body = bodyFor();
      if (body === null) return;
      let good = false;
      try {
        const res = await postOnce(body);
        good = res.status === 200 && !res.text.includes('"errors"');
        if (!good) firstError ??= `${res.status} ${res.text.slice(0, 300)}`;
      } catch (err) {
        firstError ??= String(err);
      }
      const finished = performance.now();
      if (started >= warmupEnd && finished <= end) {
        if (good) ok += 1;
        else failed += 1;
        latencies.push(finished - started);
      }
    }
  };
  await Promise.all(Array.from({ length: spec.connections }, loop));
  agent.destroy();
  const result: LoadResult = {
    requests: ok + failed,
    ok,
    failed,
    firstError,
    perSec: ok / spec.durationS,
    latency: summarize(latencies),
    exhausted,
    seconds: spec.durationS,
  };
  send(result);
});
