/**
 * Load worker (child process): submitEvaluation for each given service, one every `everyMs`, over
 * one keep-alive socket (as a department's business system would send them), recording the wall
 * time of each request and response. Receives one RateSpec, replies with one RateReply. Forked by
 * rateFromChild in spawn.ts.
 */
import { Agent } from 'node:http';
import { wallMs } from '../lib/stats.js';
import { httpPost, requireParent } from './http-post.js';
import type { RateReply, RateSpec } from './protocol.js';

const send = requireParent('bench/load/paced-ratings');
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

process.once('message', async (spec: RateSpec) => {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(spec.url);
  const responses: number[] = [];
  const sent: number[] = [];
  let reply: RateReply;
  try {
    const start = performance.now();
    for (let i = 0; i < spec.services.length; i++) {
      const wait = start + i * spec.everyMs - performance.now();
      if (wait > 0) await sleep(wait);
      const body = JSON.stringify({
        query: 'mutation ($input: SubmitEvaluationInput!) { submitEvaluation(input: $input) { id } }',
        variables: { input: { ...spec.services[i]!, level: 5 } },
      });
      sent.push(wallMs());
      const res = await httpPost(agent, url, { 'content-type': 'application/json', 'x-api-key': spec.apiKey }, body);
      responses.push(wallMs());
      if (res.status !== 200 || res.text.includes('"errors"')) throw new Error(`rating ${i} failed: ${res.status} ${res.text.slice(0, 300)}`);
    }
    reply = { sent, responses };
  } catch (err) {
    reply = { error: err instanceof Error ? err.message : String(err) };
  }
  send(reply);
});
