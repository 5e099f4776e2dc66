import type { IncomingMessage } from 'node:http';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
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
 * (one that writes its own frames, see graphql/live-adapter.ts) keeps only its end function in its
 * connection's map: no async iterator, no suspended `for await` loop, no copy of its message. Other
 * operations run as graphql-ws runs them (execute, or a loop over graphql-js's subscription iterator).
 * Keep-alive is one timer for all sockets, visiting a twelfth of them per tick (ping every interval; no
 * pong by the next visit: terminated).
 */

/** A live subscription that writes its own frames: calling it ends it. */
export type EndLive = () => void;

/** What a subscription operation starts: one result (errors), a stream of results, or a live subscription. */
export type Started = ExecutionResult | AsyncIterableIterator<ExecutionResult> | EndLive;

export interface WsHooks<C extends WsConnection> {
  /** A new socket: its connection, or null when it was refused (the hook closed it). The request is not kept. */
  onOpen(socket: WebSocket, request: IncomingMessage): C | null;
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
type Running = EndLive | AsyncIterableIterator<ExecutionResult> | Starting | null;

/** One socket's protocol state (a server adds its own fields by extending it). */
export class WsConnection {
  initReceived = false;
  acknowledged = false;
  /** Pinged, no pong yet. */
  awaitingPong = false;
  /** Which group of the keep-alive this socket is in. */
  keepAliveGroup = 0;
  /** Closes the socket if connection_init does not come in time (dropped once it came). */
  initWait: NodeJS.Timeout | null = null;
  /** Its operations by subscription id. */
  readonly operations = new Operations();

  constructor(readonly socket: WebSocket) {}
}

/**
 * A connection's running operations by id (null while one starts): the usual single one inline,
 * a Map only for more (a Map's table is the largest thing an idle subscriber would otherwise keep).
 */
export class Operations {
  private firstId: string | null = null;
  private first: Running = null;
  private more: Map<string, Running> | null = null;

  get size(): number {
    return (this.firstId === null ? 0 : 1) + (this.more?.size ?? 0);
  }
  has(id: string): boolean {
    return id === this.firstId || (this.more?.has(id) ?? false);
  }
  get(id: string): Running | undefined {
    return id === this.firstId ? this.first : this.more?.get(id);
  }
  set(id: string, running: Running): void {
    if (id === this.firstId || (this.firstId === null && !this.more?.has(id))) {
      this.firstId = id;
      this.first = running;
    } else (this.more ??= new Map()).set(id, running);
  }
  delete(id: string): void {
    if (id === this.firstId) {
      this.firstId = null;
      this.first = null;
    } else this.more?.delete(id);
  }
  ids(): string[] {
    return [...(this.firstId === null ? [] : [this.firstId]), ...(this.more?.keys() ?? [])];
  }
}

const KEEP_ALIVE_MS = 12_000;
/** Groups of sockets the keep-alive visits one per tick (see serveGraphqlWs). */
const KEEP_ALIVE_GROUPS = 12;
const CONNECTION_INIT_WAIT_MS = 3_000;
const INTERNAL_ERROR = 'Internal server error';

/** Serves graphql-transport-ws on `wss`; `dispose` closes every socket (1001) and the server. */
export function serveGraphqlWs<C extends WsConnection>(wss: WebSocketServer, hooks: WsHooks<C>, options: WsServerOptions): { dispose(): Promise<void> } {
  const reason = (err: unknown) => {
    const message = err instanceof Error ? err.message : String(err);
    return options.isProd || message.length >= 124 ? INTERNAL_ERROR : message;
  };
  wss.options.handleProtocols = handleProtocols;
  wss.once('error', (err) => {
    log.error('websocket server error', { error: err.message });
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, reason(err));
  });

  // Keep-alive: the sockets are dealt into KEEP_ALIVE_GROUPS even groups and one timer visits one group
  // per tick, so each socket is pinged once per interval (and terminated when the next visit finds no
  // pong) while the pings of 50,000 sockets are spread over the interval instead of sent in one burst,
  // which would hold back a live fan-out behind it.
  const keepAliveMs = options.keepAliveMs ?? KEEP_ALIVE_MS;
  const groups = Array.from({ length: KEEP_ALIVE_GROUPS }, () => new Set<C>());
  let visited = 0;
  const heartbeat = setInterval(
    () => {
      visited = (visited + 1) % KEEP_ALIVE_GROUPS;
      for (const conn of groups[visited]!) {
        if (conn.awaitingPong) conn.socket.terminate();
        else if (conn.socket.readyState === conn.socket.OPEN) {
          conn.awaitingPong = true;
          conn.socket.ping();
        }
      }
    },
    Math.max(1, Math.round(keepAliveMs / KEEP_ALIVE_GROUPS)),
  );
  heartbeat.unref();

  // One listener function of each kind for all sockets (the socket is `this`): nothing per socket but its state.
  const connectionOf = new WeakMap<WebSocket, C>();
  function onMessage(this: WebSocket, data: RawData): void {
    const conn = connectionOf.get(this);
    if (!conn) return;
    handle(conn, String(data)).catch((err: unknown) => {
      log.error('websocket message failed', { error: err instanceof Error ? err.message : String(err) });
      this.close(CloseCode.InternalServerError, reason(err));
    });
  }
  function onPong(this: WebSocket): void {
    const conn = connectionOf.get(this);
    if (conn) conn.awaitingPong = false;
  }
  function onError(this: WebSocket, err: Error): void {
    log.error('websocket error', { error: err.message });
    this.close(CloseCode.InternalServerError, reason(err));
  }
  function onClose(this: WebSocket): void {
    const conn = connectionOf.get(this);
    if (!conn) return;
    connectionOf.delete(this);
    groups[conn.keepAliveGroup]!.delete(conn);
    if (conn.initWait) clearTimeout(conn.initWait);
    for (const id of conn.operations.ids()) stop(conn, id);
    hooks.onClose(conn);
  }

  wss.on('connection', (socket, request) => {
    const conn = hooks.onOpen(socket, request);
    if (conn === null) return;
    connectionOf.set(socket, conn);
    socket.on('error', onError);
    socket.on('close', onClose);
    if (socket.protocol !== GRAPHQL_TRANSPORT_WS_PROTOCOL) {
      socket.close(CloseCode.SubprotocolNotAcceptable, 'Subprotocol not acceptable');
      return;
    }
    // Into the smallest group, so the groups stay even however many sockets have closed.
    conn.keepAliveGroup = groups.reduce((smallest, group, i) => (group.size < groups[smallest]!.size ? i : smallest), 0);
    groups[conn.keepAliveGroup]!.add(conn);
    conn.initWait = setTimeout(() => {
      conn.initWait = null;
      if (!conn.initReceived) socket.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
    }, options.connectionInitWaitMs ?? CONNECTION_INIT_WAIT_MS);
    socket.on('message', onMessage);
    socket.on('pong', onPong);
  });

  /** Ends one operation: a live one here; an iterator's loop completes it. */
  function stop(conn: C, id: string): void {
    const running = conn.operations.get(id);
    conn.operations.delete(id);
    if (typeof running === 'function') running();
    else if (running && 'return' in running && typeof running.return === 'function') void running.return(undefined);
  }

  function send(conn: C, message: Message): Promise<void> {
    const { socket } = conn;
    return new Promise((resolve, reject) => {
      if (socket.readyState !== socket.OPEN) return resolve();
      socket.send(stringifyMessage(message), (err) => (err ? reject(err) : resolve()));
    });
  }

  async function handle(conn: C, data: string): Promise<void> {
    let message: Message;
    try {
      message = parseMessage(data);
    } catch {
      return conn.socket.close(CloseCode.BadRequest, 'Invalid message received');
    }
    switch (message.type) {
      case MessageType.ConnectionInit: {
        if (conn.initReceived) return conn.socket.close(CloseCode.TooManyInitialisationRequests, 'Too many initialisation requests');
        conn.initReceived = true;
        if (conn.initWait) clearTimeout(conn.initWait);
        conn.initWait = null;
        const params = message.payload && typeof message.payload === 'object' ? message.payload : {};
        if (!(await hooks.onConnect(conn, params))) return conn.socket.close(CloseCode.Forbidden, 'Forbidden');
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
    if (!conn.acknowledged) return conn.socket.close(CloseCode.Unauthorized, 'Unauthorized');
    if (conn.operations.has(id)) return conn.socket.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
    // This operation's own entry: a client may complete the id while it starts and subscribe the same id
    // again, so "is this id still running" is asked of the entry, never of the id alone.
    let entry: Running = new Starting();
    conn.operations.set(id, entry);
    const mine = () => conn.operations.get(id) === entry;
    try {
      const args = hooks.onSubscribe(conn, id, payload);
      if (Array.isArray(args)) return mine() ? await sendErrors(conn, id, args as readonly GraphQLError[]) : undefined;
      const execArgs = args as ExecutionArgs;
      const operation = getOperationAST(execArgs.document, execArgs.operationName);
      if (!operation) return mine() ? await sendErrors(conn, id, [new GraphQLError('Unable to identify operation')]) : undefined;
      execArgs.contextValue = hooks.context(conn, id, mine);
      const result = operation.operation === 'subscription' ? await hooks.subscribe(execArgs) : await execute(execArgs);
      if (typeof result === 'function') {
        if (!mine()) return result();
        conn.operations.set(id, (entry = result));
        return;
      } else if (Symbol.asyncIterator in result) {
        if (!mine()) return void result.return?.(undefined);
        conn.operations.set(id, (entry = result));
        await stream(conn, id, result, mine);
      } else if (mine()) await sendNext(conn, id, result);
      if (mine()) await send(conn, { id, type: MessageType.Complete });
    } finally {
      if (mine() && typeof entry !== 'function') conn.operations.delete(id);
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
      conn.operations.delete(id);
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
