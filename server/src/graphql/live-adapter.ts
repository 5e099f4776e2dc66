import {
  execute,
  getArgumentValues,
  getOperationAST,
  GraphQLError,
  Kind,
  print,
  subscribe as graphqlSubscribe,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql/index.js'; // graphql's CommonJS entry, the one type-graphql and Apollo load: see the note at the end
import type { Actor } from '../common/actor.js';
import type { Context } from '../common/context.js';
import { DomainError, RateLimitedError } from '../common/errors.js';
import { LatestValueIterator } from '../common/latest-value-iterator.js';
import { log } from '../common/logger.js';
import { LiveHub, type LiveMember, type LivePayload, type LiveSink, type LiveVariantSpec } from '../stats/live-hub.js';
import { isLiveField, type LiveField, type LiveTopicSpec } from '../stats/live-topics.js';
import { formatError } from './format-error.js';

/**
 * The graphql-ws side of live topics: subscriptions to live fields are served from the hub's shared
 * topics, and each update is written straight to the sockets, the same bytes framed with each
 * subscription's id (graphql-ws's per-subscriber execution and serialisation are bypassed). A socket
 * whose `bufferedAmount` is over the threshold is skipped and receives the newest payload when it drains.
 */

/** The part of a `ws` WebSocket the adapter writes to. */
export interface LiveSocket {
  readonly readyState: number;
  readonly bufferedAmount: number;
  send(data: Buffer, options: { binary: boolean }, cb?: (err?: Error) => void): void;
}

const OPEN = 1;
const FRAME_SUFFIX = Buffer.from('}');
/** The options of every frame written: one object, not one per write. */
const TEXT = Object.freeze({ binary: false });
export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024;

/** Frames skipped for slow sockets, counted across all of them. */
export interface SkipCounter {
  count: number;
}

/** Where a graphql-ws subscription's frames go: put into the execution context by the server. */
export interface LiveConnection {
  socket: LiveSocket;
  id: string;
  /** Asked before a subscription creates a new topic: false refuses it (RATE_LIMITED). */
  mayCreateTopic?: () => boolean;
  /** Whether the client still wants the subscription (it may complete it while its topic is looked up). */
  wanted?: () => boolean;
}

/** The execution context of a WebSocket operation: the usual Context plus the socket and subscription id. */
export type LiveContext = Context & { liveConnection?: LiveConnection };

/** Describes the live topic of a subscription field, checking the caller's access (the stats feature's `liveTopicSpec`). */
export type TopicResolver = (actor: Actor, field: LiveField, args: Record<string, unknown>) => Promise<LiveTopicSpec>;

export interface LiveAdapterOptions {
  /** A socket with more than this many bytes queued is skipped until it drains (newest payload wins). */
  maxBufferedBytes?: number;
  /** How often a skipped socket is tried again. */
  retryMs: number;
}

/** Context fields to add in graphql-ws's `context(ctx, id)`: `{ app, actor, ...liveContext(ctx.extra.socket, id) }`. */
export function liveContext(socket: LiveSocket, id: string, mayCreateTopic?: () => boolean, wanted?: () => boolean): { liveConnection: LiveConnection } {
  return { liveConnection: { socket, id, mayCreateTopic, wanted } };
}

export interface LiveSubscribeHandler {
  /**
   * graphql-ws `subscribe` option. Live fields are served from shared topics: with a
   * `liveConnection` in the context the frames are written straight to the socket and the returned
   * iterator only tracks the subscription's lifetime; without one it yields the shared
   * ExecutionResult objects (newest wins). Any other operation goes to graphql-js `subscribe`.
   */
  subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
  /**
   * The same for a server that keeps a live subscription as the object that ends it (http/ws-server.ts):
   * with a `liveConnection`, a live field returns its subscription (a SocketSink), and nothing else is
   * kept per subscription; any other operation goes to graphql-js `subscribe`.
   */
  start(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult | LiveOperation>;
  hub: LiveHub;
  /** Frames skipped because their socket was slow (a newer one replaced them), since start. */
  skippedFrames(): number;
}

/** A running live subscription, as the transport keeps it: `end` ends it (again: nothing). */
export interface LiveOperation {
  end(): void;
}

/** A live subscription ended before it began (completed while its topic was looked up). */
const ENDED: LiveOperation = Object.freeze({ end: () => undefined });

/** Builds the graphql-ws `subscribe` hook that bypasses per-subscriber execution for live topics. */
export function createLiveSubscribeHandler(hub: LiveHub, topicOf: TopicResolver, options: LiveAdapterOptions): LiveSubscribeHandler {
  // One writer for every socket; a socket gets its own bounded writer only once it is found slow.
  const writer = new SharedWriter(options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES, options.retryMs);
  return {
    hub,
    skippedFrames: () => writer.skips.count,
    async subscribe(args) {
      const iterator = new LatestValueIterator<ExecutionResult>();
      const opened = await open(args, { deliver: (payload) => iterator.push(payload.result) });
      if (opened === null) return graphqlSubscribe(args) as Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
      if (!isLiveOperation(opened)) return opened;
      iterator.onReturn(() => opened.end());
      return iterator;
    },
    async start(args) {
      const opened = (args.contextValue as LiveContext).liveConnection ? await open(args, null) : null;
      return opened ?? (graphqlSubscribe(args) as Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>);
    },
  };

  /**
   * Subscribes a live field to its shared topic: frames go to the connection's socket, or without one
   * to `sink`. Returns the running subscription, the errors that refused it, or null when the
   * operation is not a single live field.
   */
  async function open(args: ExecutionArgs, sink: LiveSink | null): Promise<LiveOperation | ExecutionResult | null> {
    const operation = getOperationAST(args.document, args.operationName);
    const selections = operation?.operation === 'subscription' ? operation.selectionSet.selections : [];
    const field = selections.length === 1 && selections[0]!.kind === Kind.FIELD ? selections[0] : null;
    const fieldDef = field ? args.schema.getSubscriptionType()?.getFields()[field.name.value] : undefined;
    if (!field || !fieldDef || field.directives?.length || !isLiveField(field.name.value)) return null;
    const name = field.name.value as LiveField;
    const context = args.contextValue as LiveContext;
    const responseKey = field.alias?.value ?? name;
    let spec: LiveTopicSpec;
    try {
      const argValues = getArgumentValues(fieldDef, field, args.variableValues ?? undefined);
      spec = await topicOf(context.actor, name, argValues);
    } catch (err) {
      return { errors: [toGraphQLError(err, responseKey)] };
    }
    const connection = context.liveConnection;
    // Completed while its topic was looked up: nothing is subscribed, so no `next` follows the `complete`.
    if (connection?.wanted && !connection.wanted()) return ENDED;
    if (connection?.mayCreateTopic && !hub.has(spec.key) && !connection.mayCreateTopic()) {
      const error = new RateLimitedError('this connection opened too many new live topics in the last minute; subscribe again shortly');
      return { errors: [toGraphQLError(error, responseKey)] };
    }
    try {
      const variant = renderedVariant(args, spec, { app: context.app, actor: context.actor });
      if (!connection) return { end: hub.subscribe(spec, variant, sink!) };
      // The socket's subscription is one object: its sink, its place in the hub and its end.
      const member = new SocketSink(writer, connection.id, connection.socket);
      hub.join(spec, variant, member);
      return member;
    } catch (err) {
      return { errors: [toGraphQLError(err, responseKey)] };
    }
  }
}

/** The variant of a topic one document renders: its key, and how a snapshot becomes its ExecutionResult. */
function renderedVariant(args: ExecutionArgs, spec: LiveTopicSpec, renderContext: Context): LiveVariantSpec {
  return {
    key: [spec.key, args.operationName ?? '', stableJson(args.variableValues ?? {}), printed(args.document)].join('\n'),
    render: (snapshot) =>
      execute({
        schema: args.schema,
        document: args.document,
        operationName: args.operationName,
        variableValues: args.variableValues,
        rootValue: snapshot,
        contextValue: renderContext,
      }),
  };
}

/** A document's text, printed once per syntax tree (subscribers of one text share one tree: http/server.ts). */
const printedDocuments = new WeakMap<DocumentNode, string>();
function printed(document: DocumentNode): string {
  let text = printedDocuments.get(document);
  if (text === undefined) printedDocuments.set(document, (text = print(document)));
  return text;
}

function isLiveOperation(value: LiveOperation | ExecutionResult): value is LiveOperation {
  return typeof (value as Partial<LiveOperation>).end === 'function';
}

function toGraphQLError(err: unknown, responseKey: string): GraphQLError {
  const error =
    err instanceof GraphQLError
      ? err
      : new GraphQLError(err instanceof Error ? err.message : String(err), { path: [responseKey], originalError: err instanceof Error ? err : undefined });
  const formatted = formatError(error.toJSON(), error);
  // A domain error stays attached, so the transport's own formatting keeps its details (a role refusal's reason).
  const original = err instanceof DomainError ? err : undefined;
  return new GraphQLError(formatted.message, { path: formatted.path, extensions: formatted.extensions, originalError: original });
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

/**
 * Writes frames to one socket without ever queueing more than `maxBuffered` bytes: while the socket
 * is over it, each subscription keeps only its newest pending frame (no backlog), sent when our own
 * writes complete (the socket drained) or at the next retry tick.
 */
export class SocketWriter implements FrameTarget {
  /** Per subscription, the newest payload not yet written (the frame is built when it is sent); made when first needed. */
  private pending: Map<SocketSink, LivePayload> | null = null;
  private retry: NodeJS.Timeout | null = null;
  /** One completion callback for every write of this socket, not one closure per frame. */
  readonly onWritten = (): void => {
    if (this.pending?.size) this.flush();
  };

  constructor(
    private readonly socket: LiveSocket,
    private readonly maxBuffered: number,
    private readonly retryMs: number,
    /** Where frames skipped because the socket was slow (replaced by a newer one) are counted. */
    private readonly skips: SkipCounter = { count: 0 },
  ) {}

  write(sink: SocketSink, payload: LivePayload): void {
    if (this.socket.readyState !== OPEN) {
      this.pending?.delete(sink);
      return;
    }
    if (this.socket.bufferedAmount > this.maxBuffered) {
      this.pending ??= new Map();
      if (this.pending.has(sink)) this.skips.count += 1;
      this.pending.set(sink, payload);
      this.armRetry();
      return;
    }
    this.pending?.delete(sink);
    this.send(sink.frame(payload));
  }

  forget(sink: SocketSink): void {
    this.pending?.delete(sink);
    if (!this.pending?.size && this.retry) {
      clearTimeout(this.retry);
      this.retry = null;
    }
  }

  /** Sends what is pending while the socket has room. */
  flush(): void {
    if (!this.pending) return;
    if (this.socket.readyState !== OPEN) {
      this.pending.clear();
      return;
    }
    for (const [sink, payload] of this.pending) {
      if (this.socket.bufferedAmount > this.maxBuffered) {
        this.armRetry();
        return;
      }
      this.pending.delete(sink);
      this.send(sink.frame(payload));
    }
  }

  get pendingCount(): number {
    return this.pending?.size ?? 0;
  }

  private send(frame: Buffer): void {
    sendFrame(this.socket, frame, this.onWritten);
  }

  private armRetry(): void {
    if (this.retry) return;
    this.retry = setTimeout(
      () => {
        this.retry = null;
        if (this.pending?.size) this.flush();
      },
      Math.max(this.retryMs, 10),
    );
    this.retry.unref?.();
  }
}

/** What a SocketSink writes through: its socket's own writer, or the writer shared by all sockets. */
export interface FrameTarget {
  write(sink: SocketSink, payload: LivePayload): void;
  forget(sink: SocketSink): void;
}

/**
 * The writer of every socket that keeps up (one per server): a frame goes straight out, with no
 * completion callback and nothing kept per socket. A socket found over the threshold gets its own
 * SocketWriter from then on (newest pending frame per subscription, sent when it drains or at the
 * retry tick); an idle subscriber costs no writer at all.
 */
export class SharedWriter implements FrameTarget {
  /** Frames skipped because their socket was slow (replaced by a newer one), on all sockets. */
  readonly skips: SkipCounter = { count: 0 };
  private readonly slow = new WeakMap<LiveSocket, SocketWriter>();

  constructor(
    private readonly maxBuffered: number,
    private readonly retryMs: number,
  ) {}

  write(sink: SocketSink, payload: LivePayload): void {
    const socket = sink.socket!;
    let writer = this.slow.get(socket);
    if (!writer) {
      if (socket.readyState !== OPEN) return;
      if (socket.bufferedAmount <= this.maxBuffered) return sendFrame(socket, sink.frame(payload));
      this.slow.set(socket, (writer = new SocketWriter(socket, this.maxBuffered, this.retryMs, this.skips)));
      // Our writes so far carried no callback: the TCP stream's next drain stands in for them.
      (socket as LiveSocket & DrainEmitter)._socket?.once?.('drain', writer.onWritten);
    }
    writer.write(sink, payload);
  }

  forget(sink: SocketSink): void {
    this.slow.get(sink.socket!)?.forget(sink);
  }
}

/**
 * A graphql-ws subscription written directly: `{"id":…,"type":"next","payload":<shared bytes>}`. It is
 * also its place in the hub (LiveMember) and the object the transport ends it with (LiveOperation).
 */
export class SocketSink implements LiveMember, LiveOperation {
  /** Declared here, so the hub's mark (LiveSink.delivered) is a field of the object, not an added property. */
  delivered: LivePayload | undefined = undefined;
  liveVariant: unknown = null;
  constructor(
    private readonly writer: FrameTarget,
    private readonly id: string,
    /** Its socket, when the writer is shared by many. */
    readonly socket?: LiveSocket,
  ) {}
  deliver(payload: LivePayload): void {
    this.writer.write(this, payload);
  }
  /** This subscription's WebSocket frame of a payload (shared with the other subscriptions of the same id). */
  frame(payload: LivePayload): Buffer {
    return payload.framed(this.id, nextFrame);
  }
  close(): void {
    this.writer.forget(this);
  }
  end(): void {
    LiveHub.leave(this);
  }
}

/**
 * One unmasked, unfragmented WebSocket text frame (RFC 6455 §5.2) of the parts: what `ws` writes for
 * `send(text)` from a server, made once per payload and subscription id instead of once per socket.
 */
export function wireFrame(parts: Buffer[]): Buffer {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const header = length <= 125 ? 2 : length <= 0xffff ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  let at = header;
  for (const part of parts) at += part.copy(frame, at);
  return frame;
}

/** The length of a frame's header, as wireFrame wrote it. */
function headerLength(frame: Buffer): number {
  const code = frame[1]! & 0x7f;
  return code === 127 ? 10 : code === 126 ? 4 : 2;
}

/** The writable TCP stream under a `ws` WebSocket. */
interface RawStream {
  write(data: Buffer, cb?: (err?: Error | null) => void): boolean;
}

/** The TCP stream's drain event (a `ws` WebSocket's `_socket`). */
interface DrainEmitter {
  _socket?: { once?(event: 'drain', listener: () => void): unknown };
}

/** The parts of a `ws` 8.23 WebSocket (pinned in package.json) that writing frames directly relies on. */
interface WsInternals {
  _socket?: RawStream;
  _extensions?: Record<string, unknown>;
  _sender?: { _state?: number; _queue?: unknown[]; _firstFragment?: boolean };
}

/**
 * Writing a ready frame to the socket's TCP stream is what `ws` itself does for an uncompressed message
 * (its Sender writes header and payload with cork/uncork), minus the per-socket framing and the
 * two-buffer write: one `write` of shared bytes per socket, the cost of a bare broadcast. Allowed only
 * while `ws` could not be holding anything back itself: no permessage-deflate negotiated (our server
 * offers none), nothing queued in its Sender and not inside a fragmented message. Otherwise, and for
 * any other socket (tests' fakes), the frame goes through `ws`'s own `send`.
 */
function rawStreamOf(socket: LiveSocket): RawStream | null {
  const ws = socket as LiveSocket & WsInternals;
  const sender = ws._sender;
  if (!ws._socket || !sender || !ws._extensions || ws._extensions['permessage-deflate'] !== undefined) return null;
  return sender._state === 0 && sender._queue?.length === 0 && sender._firstFragment === true ? ws._socket : null;
}

/** `frame`: a whole WebSocket text frame (see wireFrame); written as it is when the socket allows, else through `ws`. */
function sendFrame(socket: LiveSocket, frame: Buffer, written?: () => void): void {
  try {
    const raw = rawStreamOf(socket);
    if (raw) raw.write(frame, written);
    else socket.send(frame.subarray(headerLength(frame)), TEXT, written);
  } catch (err) {
    log.warn('live socket write failed', { error: err instanceof Error ? err.message : String(err) });
  }
}

/** A `next` frame of subscription `id` (made only when a payload has no frame for that id yet). */
function nextFrame(id: string, bytes: Buffer): Buffer {
  return wireFrame([Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`, 'utf8'), bytes, FRAME_SUFFIX]);
}

// Note on `graphql/index.js`: graphql 16 ships CommonJS (`main`) and ESM (`module`) entries without an
// `exports` map. Node loads `main` for everyone, but Vite/vitest resolve `module` for our sources while
// type-graphql (external) gets `main`, so schema objects would come from another "realm" and
// `execute` would refuse them. Naming the file makes every runner load the same copy.
