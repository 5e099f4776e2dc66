import type { IncomingMessage } from 'node:http';
import { WebSocket, type RawData, type WebSocketServer } from 'ws';
import {
  CloseCode,
  GRAPHQL_TRANSPORT_WS_PROTOCOL,
  handleProtocols,
  MessageType,
  parseMessage,
  stringifyMessage,
  type Message,
  type SubscribeMessage,
  type SubscribePayload,
} from 'graphql-ws';
import { execute, getOperationAST, GraphQLError, type ExecutionArgs, type ExecutionResult, type FormattedExecutionResult } from 'graphql/index.js'; // the CommonJS entry type-graphql loads: see the note in graphql/live-adapter.ts
import { log } from '../common/logger.js';

/**
 * The graphql-transport-ws protocol on a `ws` server: the messages, close codes and keep-alive of
 * graphql-ws's `useServer`/`makeServer`, without their per-subscription state. A live subscription
 * (one that writes its own frames, see graphql/live-adapter.ts) keeps only its own object in its
 * connection: no async iterator, no suspended `for await` loop, no copy of its message. Other
 * operations run as graphql-ws runs them (execute, or a loop over graphql-js's subscription iterator).
 * Keep-alive is one timer for all sockets, visiting a twelfth of them per tick (ping every interval; no
 * pong by the next visit: terminated).
 *
 * Memory per idle socket is what a bare `ws` server's is: the connection *is* the WebSocket (the
 * server is made with `new WebSocketServer({ WebSocket: ConnectionClass })`), its state is fields of
 * that object, and its events are taken in `emit` rather than by listeners (with more than two kinds of
 * listener, `ws`'s listener table turns into a dictionary; a listener per socket would be a closure).
 */

/** A live subscription that writes its own frames: `end` ends it. */
export interface LiveOperation {
  end(): void;
}

/** What a subscription operation starts: one result (errors), a stream of results, or a live subscription. */
export type Started = ExecutionResult | AsyncIterableIterator<ExecutionResult> | LiveOperation;

export interface WsHooks<C extends WsConnection> {
  /** A new socket (the connection itself): false when it was refused (the hook closed it). The request is not kept. */
  onOpen(conn: C, request: IncomingMessage): boolean;
  /** connection_init with its payload: false closes the connection with 4403. */
  onConnect(conn: C, params: Record<string, unknown>): Promise<boolean>;
  /** Checks a subscribe message: its execution arguments, or the errors to answer it with. */
  onSubscribe(conn: C, id: string, payload: SubscribePayload): ExecutionArgs | readonly GraphQLError[];
  /** The context value of one operation; `wanted` says whether it is still running (not completed meanwhile). */
  context(conn: C, id: string, wanted: () => boolean): unknown;
  /** Starts a subscription operation (queries and mutations are executed here). */
  subscribe(args: ExecutionArgs): Promise<Started>;
  /** The errors sent in an `error` message. */
  onError(errors: readonly GraphQLError[]): readonly GraphQLError[];
  /** The payload of a `next` message, when it replaces the result. */
  onNext(result: ExecutionResult): FormattedExecutionResult | undefined;
  /** The socket closed (after its operations ended). */
  onClose(conn: C): void;
}

export interface WsServerOptions {
  /** Production: internal error messages are not sent as close reasons. */
  isProd: boolean;
  /** Ping interval, and the time a pong may take. */
  keepAliveMs?: number;
  /** Time a new socket has to send connection_init. */
  connectionInitWaitMs?: number;
}

/** The entry of an operation that is starting (each its own object, see subscribe). */
class Starting {}
type Running = LiveOperation | AsyncIterableIterator<ExecutionResult> | Starting | null;

/** The events of a connection, taken by the server that serves it (one object per server). */
interface Served {
  message(conn: WsConnection, data: RawData): void;
  error(conn: WsConnection, err: Error): void;
  close(conn: WsConnection): void;
}

/**
 * One socket and its protocol state: the `ws` WebSocket class of a server (pass it, or a subclass
 * with the server's own fields, as the WebSocketServer's `WebSocket` option). Its running operations
 * by subscription id (null while one starts): the usual single one in fields, a Map only for more.
 */
export class WsConnection extends WebSocket {
  initReceived = false;
  acknowledged = false;
  /** Pinged, no pong yet. */
  awaitingPong = false;
  /** Which group of the keep-alive this socket is in (-1: none, not served). */
  keepAliveGroup = -1;
  /** Closes the socket if connection_init does not come in time (dropped once it came). */
  initWait: NodeJS.Timeout | null = null;
  /** The server taking this socket's events (null: refused, or not served). */
  served: Served | null = null;
  private firstId: string | null = null;
  private first: Running = null;
  private more: Map<string, Running> | null = null;

  /** Its running (or starting) operations. */
  get operationCount(): number {
    return (this.firstId === null ? 0 : 1) + (this.more?.size ?? 0);
  }
  hasOperation(id: string): boolean {
    return id === this.firstId || (this.more?.has(id) ?? false);
  }
  operation(id: string): Running | undefined {
    return id === this.firstId ? this.first : this.more?.get(id);
  }
  setOperation(id: string, running: Running): void {
    if (id === this.firstId || (this.firstId === null && !this.more?.has(id))) {
      this.firstId = id;
      this.first = running;
    } else (this.more ??= new Map()).set(id, running);
  }
  deleteOperation(id: string): void {
    if (id === this.firstId) {
      this.firstId = null;
      this.first = null;
    } else this.more?.delete(id);
  }
  operationIds(): string[] {
    return [...(this.firstId === null ? [] : [this.firstId]), ...(this.more?.keys() ?? [])];
  }

  /**
   * `ws` reports a socket's messages, pongs, errors and close through `emit`: a served socket's are
   * handled here, with no listener of its own (listeners added by others still hear every event).
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const served = this.served;
    if (served === null) {
      if (event !== 'error' || this.listenerCount('error') > 0) return super.emit(event, ...args);
      log.error('websocket error', { error: (args[0] as Error | undefined)?.message });
      return false;
    }
    if (event === 'message') served.message(this, args[0] as RawData);
    else if (event === 'pong') this.awaitingPong = false;
    else if (event === 'error') served.error(this, args[0] as Error);
    else if (event === 'close') {
      // After the server's own listener (its set of clients), as when this was a listener added after it.
      const heard = super.emit(event, ...args);
      this.served = null;
      served.close(this);
      return heard;
    }
    return super.emit(event, ...args);
  }
}

const KEEP_ALIVE_MS = 12_000;
/** Groups of sockets the keep-alive visits one per tick (see serveGraphqlWs). */
const KEEP_ALIVE_GROUPS = 12;
const CONNECTION_INIT_WAIT_MS = 3_000;
const INTERNAL_ERROR = 'Internal server error';

function closeReason(err: unknown, isProd: boolean): string {
  const message = err instanceof Error ? err.message : String(err);
  return isProd || message.length >= 124 ? INTERNAL_ERROR : message;
}

/**
 * Serves graphql-transport-ws on `wss`, made with a WsConnection class as its `WebSocket` option;
 * `dispose` closes every socket (1001) and the server.
 */
export function serveGraphqlWs<C extends WsConnection>(wss: WebSocketServer, hooks: WsHooks<C>, options: WsServerOptions): { dispose(): Promise<void> } {
  const socketClass = (wss.options as { WebSocket?: unknown }).WebSocket;
  if (typeof socketClass !== 'function' || !(socketClass === WsConnection || socketClass.prototype instanceof WsConnection)) {
    throw new Error('serveGraphqlWs: make the WebSocketServer with `WebSocket: WsConnection` (or a subclass)');
  }
  // The keep-alive walks the server's set of clients.
  if (!wss.clients) throw new Error('serveGraphqlWs: the WebSocketServer must track its clients (clientTracking)');
  const reason = (err: unknown) => closeReason(err, options.isProd);
  wss.options.handleProtocols = handleProtocols;
  wss.once('error', (err) => {
    log.error('websocket server error', { error: err.message });
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, reason(err));
  });

  // Keep-alive: the sockets are dealt into KEEP_ALIVE_GROUPS even groups and one timer visits one group
  // per tick, so each socket is pinged once per interval (and terminated when the next visit finds no
  // pong) while the pings of 50,000 sockets are spread over the interval instead of sent in one burst,
  // which would hold back a live fan-out behind it. A group is a number on the socket: a tick walks the
  // server's own set of clients (a field read per socket), and no socket is an entry in a set of ours.
  const keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  const groupSizes = new Array<number>(KEEP_ALIVE_GROUPS).fill(0);
  let visited = 0;
  const heartbeat = setInterval(
    () => {
      visited = (visited + 1) % KEEP_ALIVE_GROUPS;
      for (const client of wss.clients) {
        const conn = client as WsConnection;
        if (conn.keepAliveGroup !== visited || conn.served === null) continue;
        if (conn.awaitingPong) conn.terminate();
        else if (conn.readyState === conn.OPEN) {
          conn.awaitingPong = true;
          conn.ping();
        }
      }
    },
    Math.max(1, Math.round(keepAliveMs / KEEP_ALIVE_GROUPS)),
  );
  heartbeat.unref();

  const served: Served = {
    message(conn, data) {
      handle(conn as C, String(data)).catch((err: unknown) => {
        log.error('websocket message failed', { error: err instanceof Error ? err.message : String(err) });
        conn.close(CloseCode.InternalServerError, reason(err));
      });
    },
    error(conn, err) {
      log.error('websocket error', { error: err.message });
      conn.close(CloseCode.InternalServerError, reason(err));
    },
    close(conn) {
      if (conn.keepAliveGroup >= 0) groupSizes[conn.keepAliveGroup]! -= 1;
      conn.keepAliveGroup = -1;
      if (conn.initWait) clearTimeout(conn.initWait);
      conn.initWait = null;
      for (const id of conn.operationIds()) stop(conn as C, id);
      hooks.onClose(conn as C);
    },
  };

  wss.on('connection', (socket, request) => {
    const conn = socket as C;
    if (!hooks.onOpen(conn, request)) return;
    conn.served = served;
    if (conn.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      conn.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
      return;
    }
    // Into the smallest group, so the groups stay even however many sockets have closed.
    conn.keepAliveGroup = groupSizes.reduce((smallest, size, i) => (size < groupSizes[smallest]! ? i : smallest), 0);
    groupSizes[conn.keepAliveGroup]! += 1;
    conn.initWait = setTimeout(() => {
      conn.initWait = null;
      if (!conn.initReceived) conn.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
    }, options.connectionInitWaitMs ?? CONNECTION_INIT_WAIT_MS);
  });
  function isLive(running: Running | Started | undefined): running is LiveOperation {
    return typeof (running as Partial<LiveOperation> | null | undefined)?.end === 'function';
  }

  /** Ends one operation: a live one here; an iterator's loop completes it. */
  function stop(conn: C, id: string): void {
    const running = conn.operation(id);
    conn.deleteOperation(id);
    if (isLive(running)) running.end();
    else if (running && 'return' in running && typeof running.return === 'function') void running.return(undefined);
  }

  function send(conn: C, message: Message): Promise<void> {
    return new Promise((resolve, reject) => {
      if (conn.readyState !== conn.OPEN) return resolve();
      conn.send(stringifyMessage(message), (err) => (err ? reject(err) : resolve()));
    });
  }

  async function handle(conn: C, data: string): Promise<void> {
    let message: Message;
    try {
      message = parseMessage(data);
    } catch {
      return conn.close(CloseCode.BadRequest, 'Invalid message received');
    }
    switch (message.type) {
      case MessageType.ConnectionInit: {
        if (conn.initReceived) return conn.close(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
        conn.initReceived = true;
        if (conn.initWait) clearTimeout(conn.initWait);
        conn.initWait = null;
        const params = message.payload && typeof message.payload === 'object' ? message.payload : {};
        if (!(await hooks.onConnect(conn, params))) return conn.close(CloseCode.Forbidden, 'Forbidden');
        conn.acknowledged = true;
        return send(conn, { type: MessageType.ConnectionAck });
      }
      case MessageType.Ping:
        return send(conn, message.payload ? { type: MessageType.Pong, payload: message.payload } : { type: MessageType.Pong });
      case MessageType.Pong:
        return;
      case MessageType.Subscribe:
        return subscribe(conn, message);
      case MessageType.Complete:
        return stop(conn, message.id);
      default:
        throw new Error(`Unexpected message of type ${message.type} received`);
    }
  }

  async function subscribe(conn: C, { id, payload }: SubscribeMessage): Promise<void> {
    if (!conn.acknowledged) return conn.close(CloseCode.Unauthorized, 'Unauthorized');
    if (conn.hasOperation(id)) return conn.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
    // This operation's own entry: a client may complete the id while it starts and subscribe the same id
    // again, so "is this id still running" is asked of the entry, never of the id alone.
    let entry: Running = new Starting();
    conn.setOperation(id, entry);
    const mine = () => conn.operation(id) === entry;
    try {
      const args = hooks.onSubscribe(conn, id, payload);
      if (Array.isArray(args)) return mine() ? await sendErrors(conn, id, args as readonly GraphQLError[]) : undefined;
      const execArgs = args as ExecutionArgs;
      const operation = getOperationAST(execArgs.document, execArgs.operationName);
      if (!operation) return mine() ? await sendErrors(conn, id, [new GraphQLError('Unable to identify operation')]) : undefined;
      execArgs.contextValue = hooks.context(conn, id, mine);
      const result = operation.operation === 'subscription' ? await hooks.subscribe(execArgs) : await execute(execArgs);
      if (isLive(result)) {
        if (!mine()) return result.end();
        conn.setOperation(id, (entry = result));
        return;
      } else if (Symbol.asyncIterator in result) {
        if (!mine()) return void result.return?.(undefined);
        conn.setOperation(id, (entry = result));
        await stream(conn, id, result, mine);
      } else if (mine()) await sendNext(conn, id, result);
      if (mine()) await send(conn, { id, type: MessageType.Complete });
    } finally {
      if (mine() && !isLive(entry)) conn.deleteOperation(id);
    }
  }

  /** Sends each result of a non-live subscription until it ends (graphql-ws's loop). */
  async function stream(conn: C, id: string, results: AsyncIterableIterator<ExecutionResult>, mine: () => boolean): Promise<void> {
    try {
      for await (const result of results) if (mine()) await sendNext(conn, id, result);
    } catch (err) {
      if (!mine()) return;
      const originalError = err instanceof Error ? err : new Error(String(err));
      await sendErrors(conn, id, [new GraphQLError(originalError.message, { originalError })]);
      conn.deleteOperation(id);
    }
  }

  function sendNext(conn: C, id: string, result: ExecutionResult): Promise<void> {
    const { errors, ...rest } = result;
    const payload = hooks.onNext(result) ?? { ...rest, ...(errors ? { errors: errors.map((e) => e.toJSON()) } : {}) };
    return send(conn, { id, type: MessageType.Next, payload } as Message);
  }

  function sendErrors(conn: C, id: string, errors: readonly GraphQLError[]): Promise<void> {
    return send(conn, { id, type: MessageType.Error, payload: hooks.onError(errors) } as Message);
  }

  return {
    async dispose() {
      clearInterval(heartbeat);
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
