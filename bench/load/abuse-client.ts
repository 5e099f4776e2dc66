/**
 * Load worker (child process) of the abuse scenario: either the victim, who asks `GET /healthz` and
 * `{ me { role } }` every `everyMs` and records each answer's latency, or the abusive client of one
 * phase, who for `durationS` (a) opens graphql-ws connections and subscriptions with distinct arguments
 * as fast as the server lets it, (b) sends alias and fragment bombs and 6 MB bodies, or (c) floods
 * anonymous ratings from one address, counting what it gets back. Receives one AbuseSpec, replies with
 * one AbuseReply. Forked by runAbuse in spawn.ts.
 */
import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import { summarize, wallMs } from '../lib/stats.js';
import { requireParent } from './http-post.js';
import type { AbuseReply, AbuseSpec, AbuserReport, VictimReport } from './protocol.js';

const send = requireParent('bench/load/abuse-client');
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** One HTTP request; resolves with the status and body, or rejects on a socket error or after 15 s. */
function call(agent: Agent, url: URL, method: 'GET' | 'POST', path: string, body?: string | Buffer): Promise<{ status: number; text: string }> {
  return new Promise((ok, bad) => {
    const headers: Record<string, string | number> =
      body === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) };
    const req = request({ host: url.hostname, port: url.port, path, method, agent, headers, timeout: 15_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', bad);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', bad);
    req.end(body);
  });
}

async function victim(spec: AbuseSpec): Promise<VictimReport> {
  const url = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const health: number[] = [];
  const graphql: number[] = [];
  const answers: number[] = [];
  let sent = 0;
  let failed = 0;
  const start = wallMs();
  const end = start + spec.durationS * 1000;
  const pending: Array<Promise<void>> = [];
  const probe = (kind: 'health' | 'graphql') => {
    const t0 = wallMs();
    sent++;
    const p = (
      kind === 'health' ? call(agent, url, 'GET', '/healthz') : call(agent, url, 'POST', '/graphql', JSON.stringify({ query: '{ me { role } }' }))
    ).then(
      (res) => {
        const t1 = wallMs();
        answers.push(t1);
        if (res.status !== 200) failed++;
        else (kind === 'health' ? health : graphql).push(t1 - t0);
      },
      () => {
        failed++;
      },
    );
    pending.push(p);
  };
  for (let i = 0; ; i++) {
    const at = start + i * spec.everyMs;
    if (at >= end) break;
    const wait = at - wallMs();
    if (wait > 0) await sleep(wait);
    probe('health');
    probe('graphql');
  }
  await Promise.all(pending);
  agent.destroy();
  const times = [start, ...answers.filter((t) => t <= end).sort((a, b) => a - b), end];
  let longestGapMs = 0;
  for (let i = 1; i < times.length; i++) longestGapMs = Math.max(longestGapMs, times[i]! - times[i - 1]!);
  return {
    sent,
    answered: health.length + graphql.length,
    failed,
    latency: summarize([...health, ...graphql]),
    health: summarize(health),
    graphql: summarize(graphql),
    longestGapMs: Math.round(longestGapMs),
  };
}

async function abuser(spec: AbuseSpec): Promise<AbuserReport> {
  const url = new URL(spec.url);
  const outcomes: Record<string, number> = {};
  const count = (k: string) => (outcomes[k] = (outcomes[k] ?? 0) + 1);
  let attempts = 0;
  const end = Date.now() + spec.durationS * 1000;
  const codesOf = (text: string): string[] => {
    try {
      const body = JSON.parse(text) as { errors?: Array<{ extensions?: { code?: string } }> };
      return body.errors ? body.errors.map((e) => e.extensions?.code ?? 'error') : ['ok'];
    } catch {
      return ['not json'];
    }
  };
  if (spec.phase === 'ws') {
    const sockets: WebSocket[] = [];
    let n = 0;
    const open = () =>
      new Promise<void>((done) => {
        attempts++;
        const ws = new WebSocket(`ws://${url.host}/graphql`, 'graphql-transport-ws', { perMessageDeflate: false });
        sockets.push(ws);
        let settled = false;
        const finish = () => {
          if (!settled) {
            settled = true;
            done();
          }
        };
        ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
        ws.on('message', (raw: Buffer) => {
          const m = JSON.parse(raw.toString()) as { type: string; id?: string; payload?: unknown };
          if (m.type === 'connection_ack') {
            count('connected');
            // Subscriptions with distinct arguments: each one a new live topic.
            for (let s = 0; s < 60; s++) {
              const k = n++;
              const limit = 1 + (k % 50);
              const day = `2026-${String(1 + (Math.floor(k / 50) % 12)).padStart(2, '0')}-${String(1 + (Math.floor(k / 600) % 28)).padStart(2, '0')}`;
              ws.send(
                JSON.stringify({
                  id: String(s),
                  type: 'subscribe',
                  payload: { query: `subscription { hotTagsChanged(limit: ${limit}, filter: { from: "${day}" }) { __typename } }` },
                }),
              );
            }
            setTimeout(finish, 50);
          } else if (m.type === 'error') {
            const codes = (m.payload as Array<{ extensions?: { code?: string } }> | undefined)?.map((e) => e.extensions?.code ?? 'error') ?? ['error'];
            codes.forEach((c) => count(`subscription ${c}`));
          } else if (m.type === 'next') {
            const errors = (m.payload as { errors?: Array<{ extensions?: { code?: string } }> }).errors;
            if (errors) errors.forEach((e) => count(`subscription ${e.extensions?.code ?? 'error'}`));
          }
        });
        ws.on('close', (code) => {
          count(`close ${code}`);
          finish();
        });
        ws.on('error', () => {
          count('socket error');
          finish();
        });
      });
    while (Date.now() < end) await Promise.all(Array.from({ length: 10 }, open));
    for (const ws of sockets) ws.terminate();
    return { attempts, outcomes };
  }
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const aliasBomb = `{ ${Array.from({ length: 2000 }, (_, i) => `a${i}: me { role }`).join(' ')} }`;
  // Each fragment spreads the next twice: 2^12 fields once expanded, in a few hundred bytes.
  const fragmentBomb =
    'query { ...F0 } ' + Array.from({ length: 12 }, (_, i) => `fragment F${i} on Query { ${i < 11 ? `...F${i + 1} ...F${i + 1}` : 'me { role }'} }`).join(' ');
  const big = Buffer.alloc(6 * 1024 * 1024, 'a');
  const bodies =
    spec.phase === 'bombs'
      ? [
          JSON.stringify({ query: aliasBomb }),
          JSON.stringify({ query: fragmentBomb }),
          Buffer.concat([Buffer.from('{"query":"{ me { role } }","x":"'), big, Buffer.from('"}')]),
        ]
      : [];
  let i = 0;
  const worker = async () => {
    while (Date.now() < end) {
      attempts++;
      const body =
        spec.phase === 'bombs'
          ? bodies[i++ % bodies.length]!
          : JSON.stringify({
              query: 'mutation ($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { id } }',
              variables: { input: { projectNo: `ABUSE${i++}`, serviceNumber: 1, level: 5 } },
            });
      try {
        const res = await call(agent, url, 'POST', '/graphql', body);
        if (res.status !== 200) count(`http ${res.status}`);
        for (const code of res.status === 200 || res.status === 400 || res.status === 429 ? codesOf(res.text) : []) count(code);
      } catch (err) {
        count(`socket ${err instanceof Error ? err.message.slice(0, 40) : 'error'}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  agent.destroy();
  return { attempts, outcomes };
}

process.once('message', async (spec: AbuseSpec) => {
  let reply: AbuseReply;
  try {
    reply = spec.role === 'victim' ? { victim: await victim(spec) } : { abuser: spec.phase === 'idle' ? { attempts: 0, outcomes: {} } : await abuser(spec) };
  } catch (err) {
    reply = { error: err instanceof Error ? err.message : String(err) };
  }
  send(reply);
  setTimeout(() => process.exit(0), 100);
});
