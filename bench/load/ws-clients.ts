/**
 * Load worker (child process): K WebSocket clients speaking the minimum of graphql-transport-ws (or
 * nothing, for the bare server), each recording when a message with a new total arrived. Driven by
 * ToClients messages, answers with FromClients; stays up between runs. Forked by ClientProcess in
 * spawn.ts.
 */
import WebSocket from 'ws';
import { wallMs } from '../lib/stats.js';
import { requireParent } from './http-post.js';
import type { FromClients, ToClients } from './protocol.js';

const toParent = requireParent('bench/load/ws-clients');
const send = (m: FromClients) => toParent(m);

let sockets: WebSocket[] = [];
/** Per client: [total, time] of every message. */
let seen: Array<number[]> = [];
let expecting: number | null = null;
let completeCount = 0;
let reached = new Uint8Array(0);

const totalOf = (text: string): number => {
  const i = text.indexOf('"total":');
  return i < 0 ? NaN : Number.parseInt(text.slice(i + 8, i + 20), 10);
};

const checkReached = (index: number, total: number) => {
  if (expecting !== null && total >= expecting && !reached[index]) {
    reached[index] = 1;
    completeCount += 1;
    if (completeCount === sockets.length) {
      send({ type: 'reached', total: expecting, complete: completeCount });
      expecting = null;
    }
  }
};

/** Opens `m.count` clients, 250 at a time (the next batch once the previous one has its first snapshot). */
async function connect(m: Extract<ToClients, { type: 'connect' }>): Promise<void> {
  const started = performance.now();
  sockets = [];
  seen = [];
  let base = NaN;
  let frame = '';
  let initial = 0;
  await new Promise<void>((resolveAll, reject) => {
    const batch = 250;
    let opened = 0;
    const open = (index: number) => {
      const options = { perMessageDeflate: false, ...(m.localAddress ? { localAddress: m.localAddress } : {}) };
      const socket = m.protocol === 'graphql' ? new WebSocket(m.url, 'graphql-transport-ws', options) : new WebSocket(m.url, options);
      sockets[index] = socket;
      const record: number[] = [];
      seen[index] = record;
      let first = true;
      socket.on('open', () => {
        if (m.protocol === 'graphql') socket.send(JSON.stringify({ type: 'connection_init', payload: {} }));
      });
      socket.on('message', (data: Buffer) => {
        const at = wallMs();
        const text = data.toString('utf8');
        if (m.protocol === 'graphql' && text.startsWith('{"type":"connection_ack"')) {
          socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: m.query, variables: m.variables } }));
          return;
        }
        const total = totalOf(text);
        if (!Number.isFinite(total)) {
          if (text.includes('"errors"') || text.includes('"type":"error"')) reject(new Error(`subscription error: ${text.slice(0, 300)}`));
          return;
        }
        record.push(total, at);
        if (first) {
          first = false;
          base = total;
          frame = text;
          initial += 1;
          if (initial % batch === 0 && opened < m.count) for (let k = 0; k < batch && opened < m.count; k++) open(opened++);
          if (initial === m.count) resolveAll();
        } else checkReached(index, total);
      });
      socket.on('error', (err) => reject(err));
    };
    for (let k = 0; k < Math.min(batch, m.count); k++) open(opened++);
  });
  send({ type: 'ready', base, connectMs: performance.now() - started, frame });
}

function expect(total: number): void {
  expecting = total;
  completeCount = 0;
  reached = new Uint8Array(sockets.length);
  seen.forEach((record, c) => {
    if (record.length >= 2 && record[record.length - 2]! >= total) {
      reached[c] = 1;
      completeCount += 1;
    }
  });
  if (completeCount === sockets.length) {
    send({ type: 'reached', total, complete: completeCount });
    expecting = null;
  }
}

function collect(base: number, ratings: number): void {
  // received[c × ratings + i]: when client c first saw a total including rating i+1.
  const received = new Float64Array(sockets.length * ratings).fill(NaN);
  let missing = 0;
  seen.forEach((record, c) => {
    let i = 0;
    for (let k = 0; k < record.length; k += 2) {
      const total = record[k]!;
      while (i < ratings && total >= base + i + 1) received[c * ratings + i++] = record[k + 1]!;
    }
    missing += ratings - i;
  });
  send({ type: 'collected', received, missing });
}

async function disconnect(): Promise<void> {
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((done) => {
          if (s.readyState === WebSocket.CLOSED) return done();
          s.once('close', () => done());
          s.terminate();
        }),
    ),
  );
  sockets = [];
  seen = [];
  send({ type: 'disconnected' });
}

process.on('message', async (m: ToClients) => {
  try {
    if (m.type === 'connect') await connect(m);
    else if (m.type === 'expect') expect(m.total);
    else if (m.type === 'collect') collect(m.base, m.ratings);
    else if (m.type === 'disconnect') await disconnect();
    else if (m.type === 'exit') {
      for (const s of sockets) s.terminate();
      process.exit(0);
    }
  } catch (err) {
    send({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
});
process.on('disconnect', () => process.exit(0));
