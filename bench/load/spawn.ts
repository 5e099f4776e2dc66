/**
 * The parent side of the load workers: forks each one as a child process (so the load never shares
 * the server's event loop) and talks to it over IPC. The workers are http-load.ts, paced-ratings.ts,
 * ws-clients.ts and bare-broadcast.ts next to this file.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AbuseReply, AbuseSpec, FromBare, FromClients, LoadResult, LoadSpec, RateReply, RateSpec, ToBare, ToClients } from './protocol.js';

/** The worker's file, with this file's extension (.ts under tsx, .js once compiled). */
const workerFile = (name: string) => fileURLToPath(new URL(`./${name}${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** Forks a worker; it inherits this process's loader flags (tsx), stdout and stderr. */
const forkWorker = (name: string): ChildProcess => fork(workerFile(name), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });

/** Runs the HTTP load in a child process (like autocannon would), keep-alive, `connections` sockets. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return loadFrom('http-load', spec);
}

/** Runs the HTTP load with autocannon in a child process (the generator the targets are measured with). */
export function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  return loadFrom('autocannon-load', spec);
}

function loadFrom(worker: 'http-load' | 'autocannon-load', spec: LoadSpec): Promise<LoadResult> {
  return new Promise((done, fail) => {
    const child = forkWorker(worker);
    const timer = setTimeout(
      () => {
        child.kill();
        fail(new Error('load generator timed out'));
      },
      (spec.durationS + spec.warmupS + 60) * 1000,
    );
    child.once('message', (m: LoadResult) => {
      clearTimeout(timer);
      done(m);
      child.kill();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`load generator exited (${code})`));
    });
    child.send(spec);
  });
}

/** Paced ratings from a child process; resolves with the wall time of each request and response. */
export function rateFromChild(spec: RateSpec): Promise<{ sent: number[]; responses: number[] }> {
  return new Promise((done, fail) => {
    const child = forkWorker('paced-ratings');
    const timer = setTimeout(
      () => {
        child.kill();
        fail(new Error('rating driver timed out'));
      },
      spec.services.length * spec.everyMs + 60_000,
    );
    child.once('message', (m: RateReply) => {
      clearTimeout(timer);
      child.kill();
      if ('error' in m) fail(new Error(`rating driver: ${m.error}`));
      else done({ sent: m.sent, responses: m.responses });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`rating driver exited (${code})`));
    });
    child.send(spec);
  });
}

/**
 * Bare `ws` servers in child processes, each sending the same frame to its own clients: the reference
 * broadcast for more sockets than one process may open (the machine's open-file limit is per process).
 */
export class BareServers {
  private readonly children: ChildProcess[];

  constructor(processes: number) {
    this.children = Array.from({ length: Math.max(1, processes) }, () => forkWorker('bare-broadcast'));
  }

  /** Starts every server with the frame they send on connecting; resolves with their ports. */
  listen(frame: string): Promise<number[]> {
    return Promise.all(
      this.children.map(
        (child) =>
          new Promise<number>((done, fail) => {
            child.once('message', (m: FromBare) => (m.type === 'listening' ? done(m.port) : fail(new Error(`bare server: ${m.type}`))));
            child.send({ type: 'listen', frame } satisfies ToBare);
          }),
      ),
    );
  }

  /** Every server sends the frame with this total to all of its clients. */
  send(total: number): void {
    for (const child of this.children) child.send({ type: 'send', total } satisfies ToBare);
  }

  stop(): void {
    for (const child of this.children) {
      child.send({ type: 'close' } satisfies ToBare);
      setTimeout(() => child.kill(), 5000).unref();
    }
  }
}

/** WebSocket subscribers in one or several child processes, as the scenarios drive them. */
export interface Clients {
  connect(message: Extract<ToClients, { type: 'connect' }>): Promise<Extract<FromClients, { type: 'ready' }>>;
  reach(total: number, timeoutMs: number): Promise<void>;
  collect(base: number, ratings: number): Promise<Extract<FromClients, { type: 'collected' }>>;
  disconnect(): Promise<void>;
  stop(): void;
}

/** The victim or the abuser of one phase of the abuse scenario, in a child process of its own. */
export function runAbuse(spec: AbuseSpec): Promise<AbuseReply> {
  return new Promise((done, fail) => {
    const child = forkWorker('abuse-client');
    const timer = setTimeout(
      () => {
        child.kill();
        fail(new Error(`abuse ${spec.role} timed out`));
      },
      (spec.durationS + 90) * 1000,
    );
    child.once('message', (m: AbuseReply) => {
      clearTimeout(timer);
      done(m);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`abuse ${spec.role} exited (${code})`));
    });
    child.send(spec);
  });
}

/** The child process holding the WebSocket subscribers (so that the server and its clients use both cores). */
export class ClientProcess implements Clients {
  private child: ChildProcess | null = null;
  private listeners: Array<(m: FromClients) => void> = [];

  private ensure(): ChildProcess {
    if (this.child) return this.child;
    const child = forkWorker('ws-clients');
    child.on('message', (m: FromClients) => this.listeners.slice().forEach((l) => l(m)));
    child.on('exit', (code) => {
      this.child = null;
      this.listeners.slice().forEach((l) => l({ type: 'error', message: `client process exited (${code})` }));
    });
    this.child = child;
    return child;
  }

  private request<T extends FromClients['type']>(message: ToClients, want: T, timeoutMs: number): Promise<Extract<FromClients, { type: T }>> {
    const child = this.ensure();
    return new Promise((resolveReply, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`client process: no "${want}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (m: FromClients) => {
        if (m.type === want) {
          off();
          resolveReply(m as Extract<FromClients, { type: T }>);
        } else if (m.type === 'error') {
          off();
          reject(new Error(m.message));
        }
      };
      const off = () => {
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
      };
      this.listeners.push(listener);
      child.send(message);
    });
  }

  /** Opens the clients and subscribes them; resolves once each has its first message (at least 120 s, 250 ms per client allowed). */
  connect(message: Extract<ToClients, { type: 'connect' }>): Promise<Extract<FromClients, { type: 'ready' }>> {
    return this.request(message, 'ready', Math.max(120_000, message.count * 250));
  }

  /** Resolves once every client has seen a total of at least `total`; rejects after `timeoutMs`. */
  async reach(total: number, timeoutMs: number): Promise<void> {
    await this.request({ type: 'expect', total }, 'reached', timeoutMs);
  }

  /** When each client first saw each of the `ratings` totals after `base` (see FromClients 'collected'). */
  collect(base: number, ratings: number): Promise<Extract<FromClients, { type: 'collected' }>> {
    return this.request({ type: 'collect', base, ratings }, 'collected', 60_000);
  }

  async disconnect(): Promise<void> {
    if (this.child) await this.request({ type: 'disconnect' }, 'disconnected', 60_000);
  }

  stop(): void {
    if (!this.child) return;
    const child = this.child;
    this.child = null;
    child.send({ type: 'exit' } satisfies ToClients);
    setTimeout(() => child.kill(), 5000).unref();
  }
}

/**
 * Subscribers spread over several child processes, each from its own loopback address (127.0.0.2,
 * 127.0.0.3, …): tens of thousands of sockets need more than one address's ephemeral ports, and more
 * than one client event loop. Collected figures come back in one array, process after process.
 */
export class ClientGroup implements Clients {
  private readonly parts: ClientProcess[];
  private counts: number[] = [];

  constructor(processes: number) {
    this.parts = Array.from({ length: Math.max(1, processes) }, () => new ClientProcess());
  }

  async connect(message: Extract<ToClients, { type: 'connect' }>): Promise<Extract<FromClients, { type: 'ready' }>> {
    const n = this.parts.length;
    this.counts = this.parts.map((_, i) => Math.floor(message.count / n) + (i < message.count % n ? 1 : 0));
    const started = performance.now();
    const ready = await Promise.all(
      this.parts.map((part, i) =>
        this.counts[i]! > 0
          ? part.connect({ ...message, url: message.urls?.[i % message.urls.length] ?? message.url, count: this.counts[i]!, localAddress: `127.0.0.${2 + i}` })
          : Promise.resolve(null),
      ),
    );
    const first = ready.find((r) => r !== null)!;
    return { type: 'ready', base: first.base, frame: first.frame, connectMs: performance.now() - started };
  }

  async reach(total: number, timeoutMs: number): Promise<void> {
    await Promise.all(this.parts.map((part, i) => (this.counts[i]! > 0 ? part.reach(total, timeoutMs) : undefined)));
  }

  async collect(base: number, ratings: number): Promise<Extract<FromClients, { type: 'collected' }>> {
    const parts = await Promise.all(this.parts.map((part, i) => (this.counts[i]! > 0 ? part.collect(base, ratings) : null)));
    const all = parts.filter((p) => p !== null);
    const received = new Float64Array(all.reduce((sum, p) => sum + p.received.length, 0));
    let at = 0;
    for (const p of all) {
      received.set(p.received, at);
      at += p.received.length;
    }
    return { type: 'collected', received, missing: all.reduce((sum, p) => sum + p.missing, 0) };
  }

  async disconnect(): Promise<void> {
    await Promise.all(this.parts.map((part) => part.disconnect()));
  }

  stop(): void {
    this.parts.forEach((part) => part.stop());
  }
}
