import {
  execute, getArgumentValues, getOperationAST, GraphQLError, Kind, print, subscribe as graphqlSubscribe,
  type ExecutionArgs, type ExecutionResult,
} from 'graphql/index.js'; // graphql's CommonJS entry, the one type-graphql and Apollo load: see note at the end
import type { App } from '../app.js';
import { LatestValueIterator } from '../common/latest-value-iterator.js';
import type { Actor } from '../auth/roles.js';
import type { Context } from '../common/context.js';
import { log } from '../common/logger.js';
import type { ChangeEvent } from '../common/pubsub.js';
import { formatError } from '../graphql/format-error.js';
import { nextSeq, shanghaiIso } from './stats.logic.js';
import { isLiveField, liveTopicSpec, type LiveField, type LiveTopicSpec } from './stats.service.js';

/**
 * Live topics (issue 3, item 4). A topic is one computation — (field, canonical filter, audience,
 * options) — shared by every identical subscription; it recomputes only when a change event touches
 * one of its scopes, at most once per `liveIntervalMs`, and sends a message only when the snapshot
 * changed. Each update is executed against the subscription's selection once per distinct document
 * (a "variant") and serialised once; sockets receive the same bytes framed with their own id, written
 * directly (graphql-ws's per-subscriber execution and serialisation are bypassed). A socket whose
 * `bufferedAmount` is over the threshold is skipped and receives the newest payload when it drains.
 */

/** The part of a `ws` WebSocket the hub writes to. */
export interface LiveSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Buffer, options: { binary: boolean }, cb?: (err?: Error) => void): void;
}

const OPEN = 1;
const FRAME_SUFFIX = Buffer.from('}');
const EMPTY_RESULT: ExecutionResult = Object.freeze({});

/** One update of one variant: computed, executed and serialised once, shared by all its subscribers. */
export class LivePayload {
  private jsonText?: string;
  private buffer?: Buffer;
  constructor(readonly seq: number, readonly snapshot: object, readonly result: ExecutionResult) {}
  /** The ExecutionResult as JSON, serialised on first use and then shared. */
  get json(): string {
    this.jsonText ??= JSON.stringify(this.result);
    return this.jsonText;
  }
  /** `json` as UTF-8, encoded once. */
  get bytes(): Buffer {
    this.buffer ??= Buffer.from(this.json, 'utf8');
    return this.buffer;
  }
}

/** Where a topic's payloads go: a socket, an async iterator, a test probe. */
export interface LiveSink {
  deliver(payload: LivePayload): void;
  close?(): void;
}

export interface LiveSourceSpec {
  key: string;
  scopes: string[];
  compute(): Promise<object>;
}

export interface LiveVariantSpec {
  key: string;
  /** Executes the subscriber's selection against a snapshot; absent for raw-snapshot subscribers. */
  render?(snapshot: object): ExecutionResult | Promise<ExecutionResult>;
}

export interface LiveHubOptions {
  intervalMs: number;
  /** A socket with more than this many bytes queued is skipped until it drains (newest payload wins). */
  maxBufferedBytes?: number;
  now?: () => number;
}

interface Variant {
  spec: LiveVariantSpec;
  sinks: Set<LiveSink>;
  current: LivePayload | null;
}

interface Topic {
  spec: LiveSourceSpec;
  variants: Map<string, Variant>;
  seq: number;
  snapshot: object | null;
  bodyJson: string | null;
  dirty: boolean;
  running: boolean;
  timer: NodeJS.Timeout | null;
  lastRunAt: number;
  lastSentAt: number;
  closed: boolean;
  computeCount: number;
}

export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024;
const RETIRED_SEQS_MAX = 10_000;

export class LiveHub {
  private readonly topics = new Map<string, Topic>();
  /** Scope key ("T", "D:12", or a prefix wildcard "S:*") → topics listening to it. */
  private readonly byScope = new Map<string, Set<Topic>>();
  private readonly writers = new WeakMap<LiveSocket, SocketWriter>();
  /** Last sequence numbers of dropped topics, so a recreated topic continues above them (bounded). */
  private readonly retiredSeqs = new Map<string, number>();
  private readonly now: () => number;
  private readonly intervalMs: number;
  readonly maxBufferedBytes: number;

  constructor(options: LiveHubOptions) {
    this.intervalMs = options.intervalMs;
    this.maxBufferedBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.now = options.now ?? (() => Date.now());
  }

  /** Adds a subscriber; it receives the current payload at once if there is one. Returns the unsubscribe. */
  subscribe(source: LiveSourceSpec, variant: LiveVariantSpec, sink: LiveSink): () => void {
    let topic = this.topics.get(source.key);
    if (!topic) {
      topic = {
        spec: source, variants: new Map(), seq: this.retiredSeqs.get(source.key) ?? 0, snapshot: null, bodyJson: null,
        dirty: true, running: false, timer: null, lastRunAt: -Infinity, lastSentAt: -Infinity, closed: false, computeCount: 0,
      };
      this.topics.set(source.key, topic);
      for (const scope of source.scopes) {
        let set = this.byScope.get(scope);
        if (!set) this.byScope.set(scope, (set = new Set()));
        set.add(topic);
      }
    }
    let v = topic.variants.get(variant.key);
    if (!v) topic.variants.set(variant.key, (v = { spec: variant, sinks: new Set(), current: null }));
    v.sinks.add(sink);
    if (v.current) deliver(sink, v.current);
    else if (topic.snapshot) void this.render(topic, v);
    if (topic.dirty) this.schedule(topic);
    const t = topic;
    const vv = v;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      sink.close?.();
      vv.sinks.delete(sink);
      if (vv.sinks.size === 0 && t.variants.get(variant.key) === vv) t.variants.delete(variant.key);
      if (t.variants.size === 0) this.drop(t);
    };
  }

  /** Marks the topics a committed change can affect; they recompute at their next slot. */
  onChange(event: ChangeEvent): void {
    if (event.scopes.length === 0) {
      this.markAllDirty();
      return;
    }
    const hit = new Set<Topic>();
    for (const scope of event.scopes) {
      for (const t of this.byScope.get(scope) ?? []) hit.add(t);
      const wildcard = `${scope.slice(0, scope.indexOf(':') + 1)}*`;
      if (wildcard !== '*') for (const t of this.byScope.get(wildcard) ?? []) hit.add(t);
    }
    for (const t of hit) this.markDirty(t);
  }

  /** After missed events (Redis lost, restart): every topic recomputes from the database. */
  markAllDirty(): void {
    for (const t of this.topics.values()) this.markDirty(t);
  }

  /** The shared, bounded writer of one socket. */
  writerFor(socket: LiveSocket): SocketWriter {
    let writer = this.writers.get(socket);
    if (!writer) this.writers.set(socket, (writer = new SocketWriter(socket, this.maxBufferedBytes, this.intervalMs)));
    return writer;
  }

  /** Counters for tests and health checks. */
  stats(): { topics: number; variants: number; subscribers: number; computations: number } {
    let variants = 0;
    let subscribers = 0;
    let computations = 0;
    for (const t of this.topics.values()) {
      variants += t.variants.size;
      computations += t.computeCount;
      for (const v of t.variants.values()) subscribers += v.sinks.size;
    }
    return { topics: this.topics.size, variants, subscribers, computations };
  }

  close(): void {
    for (const t of [...this.topics.values()]) this.drop(t);
  }

  private markDirty(t: Topic): void {
    t.dirty = true;
    if (!t.running) this.schedule(t);
  }

  private schedule(t: Topic): void {
    if (t.timer || t.running || t.closed) return;
    const wait = Math.max(t.lastRunAt, t.lastSentAt) + this.intervalMs - this.now();
    if (wait <= 0) {
      void this.run(t);
      return;
    }
    t.timer = setTimeout(() => {
      t.timer = null;
      void this.run(t);
    }, wait);
    t.timer.unref?.();
  }

  private async run(t: Topic): Promise<void> {
    if (t.closed || t.running) return;
    t.running = true;
    t.dirty = false;
    t.lastRunAt = this.now();
    t.computeCount += 1;
    let body: object;
    try {
      body = await t.spec.compute();
    } catch (err) {
      log.error('live topic failed to compute; retrying at its next slot', { topic: t.spec.key, error: err instanceof Error ? err.message : String(err) });
      t.running = false;
      t.dirty = true;
      this.schedule(t);
      return;
    }
    t.running = false;
    if (t.closed) return;
    const bodyJson = JSON.stringify(body);
    if (bodyJson !== t.bodyJson || !t.snapshot) {
      const now = this.now();
      t.bodyJson = bodyJson;
      t.seq = nextSeq(t.seq, now);
      t.snapshot = { ...body, seq: t.seq, asOf: shanghaiIso(now) };
      t.lastSentAt = now;
      for (const v of t.variants.values()) void this.render(t, v);
    }
    if (t.dirty) this.schedule(t);
  }

  private async render(t: Topic, v: Variant): Promise<void> {
    const snapshot = t.snapshot!;
    const seq = t.seq;
    let result: ExecutionResult;
    try {
      result = v.spec.render ? await v.spec.render(snapshot) : EMPTY_RESULT;
    } catch (err) {
      // A bug, not a data problem: tell the subscribers rather than leave them waiting in silence.
      log.error('live topic failed to render', { topic: t.spec.key, error: err instanceof Error ? err.stack : String(err) });
      result = { errors: [new GraphQLError('internal error: this live topic could not be rendered; the server logged the details', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
    }
    if (v.current && v.current.seq >= seq) return;
    const payload = new LivePayload(seq, snapshot, result);
    v.current = payload;
    for (const sink of v.sinks) deliver(sink, payload);
  }

  private drop(t: Topic): void {
    if (t.closed) return;
    t.closed = true;
    if (t.timer) clearTimeout(t.timer);
    t.timer = null;
    for (const v of t.variants.values()) for (const sink of v.sinks) sink.close?.();
    t.variants.clear();
    if (this.topics.get(t.spec.key) === t) this.topics.delete(t.spec.key);
    this.retiredSeqs.delete(t.spec.key);
    this.retiredSeqs.set(t.spec.key, t.seq);
    if (this.retiredSeqs.size > RETIRED_SEQS_MAX) this.retiredSeqs.delete(this.retiredSeqs.keys().next().value!);
    for (const scope of t.spec.scopes) {
      const set = this.byScope.get(scope);
      set?.delete(t);
      if (set?.size === 0) this.byScope.delete(scope);
    }
  }
}

function deliver(sink: LiveSink, payload: LivePayload): void {
  try {
    sink.deliver(payload);
  } catch (err) {
    log.warn('live subscriber failed to take a payload', { error: err instanceof Error ? err.message : String(err) });
  }
}

/**
 * Writes frames to one socket without ever queueing more than `maxBuffered` bytes: while the socket
 * is over it, each subscription keeps only its newest pending frame (no backlog), sent when our own
 * writes complete (the socket drained) or at the next retry tick.
 */
export class SocketWriter {
  private readonly pending = new Map<SocketSink, () => Buffer>();
  private inflight = 0;
  private retry: NodeJS.Timeout | null = null;
  /** Frames skipped because the socket was slow (replaced by a newer one or sent later). */
  skipped = 0;

  constructor(private readonly socket: LiveSocket, private readonly maxBuffered: number, private readonly retryMs: number) {}

  write(sink: SocketSink, frame: () => Buffer): void {
    if (this.socket.readyState !== OPEN) {
      this.pending.delete(sink);
      return;
    }
    if (this.socket.bufferedAmount > this.maxBuffered) {
      if (this.pending.has(sink)) this.skipped += 1;
      this.pending.set(sink, frame);
      this.armRetry();
      return;
    }
    this.pending.delete(sink);
    this.send(frame());
  }

  forget(sink: SocketSink): void {
    this.pending.delete(sink);
    if (this.pending.size === 0 && this.retry) {
      clearTimeout(this.retry);
      this.retry = null;
    }
  }

  /** Sends what is pending while the socket has room. */
  flush(): void {
    if (this.socket.readyState !== OPEN) {
      this.pending.clear();
      return;
    }
    for (const [sink, frame] of this.pending) {
      if (this.socket.bufferedAmount > this.maxBuffered) {
        this.armRetry();
        return;
      }
      this.pending.delete(sink);
      this.send(frame());
    }
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private send(data: Buffer): void {
    this.inflight += 1;
    try {
      this.socket.send(data, { binary: false }, () => {
        this.inflight -= 1;
        if (this.pending.size > 0) this.flush();
      });
    } catch (err) {
      this.inflight -= 1;
      log.warn('live socket write failed', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  private armRetry(): void {
    if (this.retry) return;
    this.retry = setTimeout(() => {
      this.retry = null;
      if (this.pending.size > 0) this.flush();
    }, Math.max(this.retryMs, 10));
    this.retry.unref?.();
  }
}

/** A graphql-ws subscription written directly: `{"id":…,"type":"next","payload":<shared bytes>}`. */
export class SocketSink implements LiveSink {
  private readonly prefix: Buffer;
  constructor(private readonly writer: SocketWriter, id: string) {
    this.prefix = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`, 'utf8');
  }
  deliver(payload: LivePayload): void {
    this.writer.write(this, () => Buffer.concat([this.prefix, payload.bytes, FRAME_SUFFIX]));
  }
  close(): void {
    this.writer.forget(this);
  }
}

// ---------------------------------------------------------------------------------------------
// One hub per app, fed by the change bus
// ---------------------------------------------------------------------------------------------

const hubs = new WeakMap<App, { hub: LiveHub; unsubscribe: () => void }>();

/** The app's live hub, created on first use and subscribed to `app.bus`. */
export function liveHubFor(app: App): LiveHub {
  let entry = hubs.get(app);
  if (!entry) {
    const hub = new LiveHub({ intervalMs: app.config.liveIntervalMs });
    entry = { hub, unsubscribe: app.bus.subscribe((event) => hub.onChange(event)) };
    hubs.set(app, entry);
  }
  return entry.hub;
}

/** Drops every topic and detaches from the bus (server shutdown). */
export function closeLiveHub(app: App): void {
  const entry = hubs.get(app);
  if (!entry) return;
  entry.unsubscribe();
  entry.hub.close();
  hubs.delete(app);
}

// ---------------------------------------------------------------------------------------------
// graphql-ws integration
// ---------------------------------------------------------------------------------------------

/** Where a graphql-ws subscription's frames go: put into the execution context by the server. */
export interface LiveConnection {
  socket: LiveSocket;
  id: string;
}

/** The execution context of a WebSocket operation: the usual Context plus the socket and subscription id. */
export type LiveContext = Context & { liveConnection?: LiveConnection };

/** Context fields to add in graphql-ws's `context(ctx, id)`: `{ app, actor, ...liveContext(ctx.extra.socket, id) }`. */
export function liveContext(socket: LiveSocket, id: string): { liveConnection: LiveConnection } {
  return { liveConnection: { socket, id } };
}

export interface LiveSubscribeHandler {
  /**
   * graphql-ws `subscribe` option. Live fields are served from shared topics: with a
   * `liveConnection` in the context the frames are written straight to the socket and the returned
   * iterator only tracks the subscription's lifetime; without one it yields the shared
   * ExecutionResult objects (newest wins). Any other operation goes to graphql-js `subscribe`.
   */
  subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
  hub: LiveHub;
}

/** Builds the graphql-ws `subscribe` hook that bypasses per-subscriber execution for live topics. */
export function createLiveSubscribeHandler(app: App): LiveSubscribeHandler {
  const hub = liveHubFor(app);
  return {
    hub,
    async subscribe(args) {
      const operation = getOperationAST(args.document, args.operationName);
      const selections = operation?.operation === 'subscription' ? operation.selectionSet.selections : [];
      const field = selections.length === 1 && selections[0]!.kind === Kind.FIELD ? selections[0] : null;
      const fieldDef = field ? args.schema.getSubscriptionType()?.getFields()[field.name.value] : undefined;
      if (!field || !fieldDef || field.directives?.length || !isLiveField(field.name.value)) {
        return graphqlSubscribe(args) as Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
      }
      const name = field.name.value as LiveField;
      const context = args.contextValue as LiveContext;
      const responseKey = field.alias?.value ?? name;
      let spec: LiveTopicSpec;
      try {
        const argValues = getArgumentValues(fieldDef, field, args.variableValues ?? undefined);
        spec = await liveTopicSpec(app, context.actor, name, argValues);
      } catch (err) {
        return { errors: [toGraphQLError(err, responseKey)] };
      }
      const renderContext: Context = { app: context.app, actor: context.actor };
      const variant: LiveVariantSpec = {
        key: [spec.key, args.operationName ?? '', stableJson(args.variableValues ?? {}), print(args.document)].join('\n'),
        render: (snapshot) => execute({
          schema: args.schema, document: args.document, operationName: args.operationName,
          variableValues: args.variableValues, rootValue: snapshot, contextValue: renderContext,
        }),
      };
      const iterator = new LatestValueIterator<ExecutionResult>();
      const connection = context.liveConnection;
      const sink: LiveSink = connection
        ? new SocketSink(hub.writerFor(connection.socket), connection.id)
        : { deliver: (payload) => iterator.push(payload.result) };
      iterator.onReturn(hub.subscribe(spec, variant, sink));
      return iterator;
    },
  };
}

/** Raw snapshots of a live topic, for type-graphql's own subscription path (one execution per subscriber). */
export async function liveSnapshots(app: App, actor: Actor, field: LiveField, args: Record<string, unknown>): Promise<AsyncIterableIterator<object>> {
  const spec = await liveTopicSpec(app, actor, field, args);
  const iterator = new LatestValueIterator<object>();
  iterator.onReturn(liveHubFor(app).subscribe(spec, { key: '' }, { deliver: (payload) => iterator.push(payload.snapshot) }));
  return iterator;
}

function toGraphQLError(err: unknown, responseKey: string): GraphQLError {
  const error = err instanceof GraphQLError
    ? err
    : new GraphQLError(err instanceof Error ? err.message : String(err), { path: [responseKey], originalError: err instanceof Error ? err : undefined });
  const formatted = formatError(error.toJSON(), error);
  return new GraphQLError(formatted.message, { path: formatted.path, extensions: formatted.extensions });
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
    : v));
}

// Note on `graphql/index.js`: graphql 16 ships CommonJS (`main`) and ESM (`module`) entries without an
// `exports` map. Node loads `main` for everyone, but Vite/vitest resolve `module` for our sources while
// type-graphql (external) gets `main`, so schema objects would come from another "realm" and
// `execute` would refuse them. Naming the file makes every runner load the same copy.

export { LatestValueIterator };
