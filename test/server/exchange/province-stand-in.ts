import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { ManualClock } from '../../../server/src/common/clock.js';
import type { Em } from '../../../server/src/db/orm.js';
import type { TestServer } from '../../support/server.js';

/** A deterministic pseudo-random source (mulberry32), so a flapping run can be told again by its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A clock that runs with wall time from T0: the worker's backoff and leases need time to pass. */
export class RunningClock extends ManualClock {
  private readonly started = Date.now();
  constructor(private readonly from: Date) {
    super(from);
  }
  override now(): Date {
    return new Date(this.from.getTime() + (Date.now() - this.started));
  }
}

export interface Flapping {
  /** Probability of a refusal (HTTP 500 with a JSON message), of no answer (the client times out), of a slow answer. */
  refuse: number;
  timeout: number;
  slow: number;
  seed: number;
}

export interface Acknowledged {
  key: string;
  recordType: string;
  projectNo: string;
}

/**
 * A real local HTTP stand-in of the provincial platform (127.0.0.1, port 0). It keeps what it acknowledged
 * by Idempotency-Key, counts every request for a key it had already acknowledged as a duplicate, and
 * answers like the platform: 没有对应的服务数据 for an evaluation whose service record (or a rectification
 * record whose evaluation) it lacks, 评价数据不可重复 for a second evaluation of the same service and
 * assessNumber under another key. With `flapping` it refuses, never answers, or answers slowly at random.
 */
export class ProvinceStandIn {
  readonly acknowledged: Acknowledged[] = [];
  readonly ackedKeys = new Set<string>();
  readonly services = new Set<string>();
  readonly evaluations = new Map<string, string>();
  /** The body of every acknowledged record, by key. */
  readonly bodies = new Map<string, Record<string, unknown>>();
  requests = 0;
  duplicates = 0;
  /** Records that arrived before the record they refer to (answered 没有对应的服务数据), by record type. */
  readonly early = { evaluation: 0, rectification: 0 };
  refused = 0;
  timedOut = 0;
  slow = 0;
  /** Answer every request with this status and body (e.g. a refusal), when set. */
  fixed: { status: number; body: string } | null = null;
  flapping: Flapping | null = null;
  private random: () => number = Math.random;
  private server!: Server;
  private readonly sockets = new Set<Socket>();

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    return this;
  }

  flap(f: Flapping): void {
    this.flapping = f;
    this.random = seeded(f.seed);
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/evaluation`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests += 1;
      const key = String(req.headers['idempotency-key'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      if (this.fixed) {
        res.writeHead(this.fixed.status, { 'content-type': 'application/json; charset=utf-8' }).end(this.fixed.body);
        return;
      }
      const f = this.flapping;
      if (f) {
        const roll = this.random();
        if (roll < f.refuse) {
          this.refused += 1;
          res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ code: 500, msg: '系统繁忙，请稍后重试' }));
          return;
        }
        if (roll < f.refuse + f.timeout) {
          // Never answers: the client gives up (its timeout); nothing is stored.
          this.timedOut += 1;
          return;
        }
        if (roll < f.refuse + f.timeout + f.slow) {
          this.slow += 1;
          setTimeout(() => this.answer(key, body, res), 20 + Math.floor(this.random() * 150));
          return;
        }
      }
      this.answer(key, body, res);
    });
  }

  private answer(key: string, body: Record<string, unknown>, res: ServerResponse): void {
    if (res.destroyed) return;
    const json = (status: number, payload: unknown) =>
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(payload));
    if (this.ackedKeys.has(key)) {
      this.duplicates += 1;
      json(200, { code: 200, msg: 'ok' });
      return;
    }
    const service = `${String(body.projectNo)}#${String(body.serviceNumber)}`;
    const evaluation = `${service}#${String(body.assessNumber)}`;
    if (body.recordType === 'evaluation' && !this.services.has(service)) {
      this.early.evaluation += 1;
      json(200, { code: 400, msg: '没有对应的服务数据' });
      return;
    }
    if (body.recordType === 'rectification' && !this.evaluations.has(evaluation)) {
      this.early.rectification += 1;
      json(400, { code: 400, msg: '没有对应的服务数据' });
      return;
    }
    if (body.recordType === 'evaluation' && !key.endsWith(':invalid')) {
      const holder = this.evaluations.get(evaluation);
      if (holder && holder !== key) {
        json(400, { code: 400, msg: '评价数据不可重复' });
        return;
      }
      this.evaluations.set(evaluation, key);
    }
    if (body.recordType === 'service') this.services.add(service);
    this.ackedKeys.add(key);
    this.bodies.set(key, body);
    this.acknowledged.push({ key, recordType: String(body.recordType), projectNo: String(body.projectNo) });
    json(200, { code: 200, msg: '成功' });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((done) => this.server.close(() => done()));
  }
}

export interface OutboxRowLite {
  id: number;
  topic: string;
  record_key: string;
  aggregate_type: string;
  aggregate_id: string;
  state: string;
  attempts: number | string;
  refusals: number | string;
  last_error: string | null;
}

export async function outboxRows(server: TestServer, where = '1 = 1', params: unknown[] = []): Promise<OutboxRowLite[]> {
  return (server.app.orm.em.fork() as Em).execute<OutboxRowLite[]>(`select * from outbox where ${where} order by id`, params);
}

export const PROVINCE_WHERE = "topic in ('exchange.service', 'exchange.evaluation', 'rectification.record')";

/** Waits (polling the database, no timed assertion) until `done` holds, or gives up after `limitMs`. */
export async function eventually(done: () => Promise<boolean>, limitMs = 60_000): Promise<void> {
  const until = Date.now() + limitMs;
  while (!(await done())) {
    if (Date.now() > until) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 50));
  }
}
