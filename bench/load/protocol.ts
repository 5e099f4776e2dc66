/** Messages between the bench (parent) and its load workers (child processes). Types only. */
import type { Summary } from '../lib/stats.js';

// --- http-load.ts: HTTP requests as fast as `connections` keep-alive sockets allow ------------

export interface LoadSpec {
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
  warmupS: number;
  body:
    | { kind: 'fixed'; text: string }
    | { kind: 'ratings'; prefix: string; count: number; query: string }
    | { kind: 'register'; prefix: string; count: number; query: string; input: Record<string, unknown> };
}

export interface LoadResult {
  requests: number;
  ok: number;
  failed: number;
  firstError?: string;
  perSec: number;
  latency: Summary;
  exhausted: boolean;
  seconds: number;
  /** How the load was made (autocannon's settings); absent for the older Node `http` generator. */
  generator?: string;
  /** Warm-up included: every response, and the CPU the generator's process used (autocannon only). */
  whole?: { requests: number; generatorCpuMs: number };
}

// --- paced-ratings.ts: one rating every `everyMs` over one socket ------------------------------

export interface RateSpec {
  url: string;
  apiKey: string;
  services: Array<{ projectNo: string; serviceNumber: number }>;
  everyMs: number;
}

/** Wall times (see wallMs) of sending each rating and of getting its response; or what went wrong. */
export type RateReply = { sent: number[]; responses: number[] } | { error: string };

// --- ws-clients.ts: K WebSocket subscribers ---------------------------------------------------

export type ToClients =
  | {
      type: 'connect';
      url: string;
      protocol: 'graphql' | 'bare';
      count: number;
      query?: string;
      variables?: Record<string, unknown>;
      /** Loopback source address of this process's sockets (127.0.0.x): more than one address's ephemeral ports. */
      localAddress?: string;
      /** Several servers (the bare broadcast spread over processes): client process i connects to urls[i % length]. */
      urls?: string[];
    }
  | { type: 'expect'; total: number }
  | { type: 'collect'; base: number; ratings: number }
  | { type: 'disconnect' }
  | { type: 'exit' };

export type FromClients =
  | { type: 'ready'; base: number; connectMs: number; frame: string }
  | { type: 'reached'; total: number; complete: number }
  /** received[c × ratings + i]: when client c first saw a total including rating i+1 (NaN: never). */
  | { type: 'collected'; received: Float64Array; missing: number }
  | { type: 'disconnected' }
  | { type: 'error'; message: string };

// --- memory-probe.ts: the memory of a spawned server, after full garbage collections ---------

/** `process.memoryUsage()` of the process, in bytes, taken right after gc(). */
export interface MemorySample {
  type: 'memory';
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

// --- abuse-client.ts: a victim measuring latency, or an abusive client, for one phase ---------

export type AbusePhase = 'idle' | 'ws' | 'bombs' | 'flood';

export interface AbuseSpec {
  role: 'victim' | 'abuser';
  phase: AbusePhase;
  /** http://host:port of the server. */
  url: string;
  durationS: number;
  /** Victim: one `GET /healthz` and one `{ me { role } }` every `everyMs`, whatever is still outstanding. */
  everyMs: number;
}

export interface VictimReport {
  sent: number;
  answered: number;
  failed: number;
  /** Milliseconds from sending to the answer, both probes together. */
  latency: Summary;
  health: Summary;
  graphql: Summary;
  /** The longest time (ms) during the phase without any answer arriving (from the phase start). */
  longestGapMs: number;
}

export interface AbuserReport {
  /** What was sent: connections opened, subscriptions started, requests made. */
  attempts: number;
  /** Answers by kind: HTTP status (`http 413`), GraphQL error code (`RATE_LIMITED`), WebSocket close code (`close 4429`), `ok`. */
  outcomes: Record<string, number>;
}

export type AbuseReply = { victim: VictimReport } | { abuser: AbuserReport } | { error: string };

// --- bare-broadcast.ts: a bare `ws` server in a child process (the reference beyond one process's sockets) ---

export type ToBare = { type: 'listen'; frame: string } | { type: 'send'; total: number } | { type: 'close' };
export type FromBare = { type: 'listening'; port: number } | { type: 'closed' };
