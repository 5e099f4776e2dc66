import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { ApolloServer, HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from '@apollo/server/plugin/disabled';
import { WebSocketServer, type WebSocket } from 'ws';
import { getOperationAST, getVariableValues, GraphQLError, type ExecutionArgs } from 'graphql/index.js'; // the CommonJS entry type-graphql loads: see the note in stats/live-hub.ts
import type { Actor } from '../common/actor.js';
import { actorFromCredentials } from '../auth/auth.service.js';
import { BULLETIN_FILE, bulletinFileRequest } from './bulletin-files.js';
import type { Context } from '../common/context.js';
import { log } from '../common/logger.js';
import type { FeatureDeps } from '../graphql/deps.js';
import type { MetricsRegistry } from '../common/metrics.js';
import { formatError } from '../graphql/format-error.js';
import { checkDocumentText, checkText, extraRules, PARSE_OPTIONS } from '../graphql/limits.js';
import { clientAddress, CLOSE_SESSION_ENDED, CLOSE_TOO_MANY, WsGuard, type ConnectionBudget } from '../graphql/ws-guard.js';
import { BadBodyError, BodyTooLargeError, readJsonBody } from './body.js';
import { setSecurityHeaders } from './headers.js';
import { apiV1Request } from './api-v1.js';
import { smsRequest } from './sms-inbound.js';
import { exportRequest } from './export.js';
import { createLiveSubscribeHandler, liveContext } from '../graphql/live-adapter.js';
import { serveGraphqlWs, WsConnection } from './ws-server.js';
import { DocumentCache } from '../graphql/document-cache.js';
import { graphqlSchema } from '../graphql/schema.js';
import { liveTopicSpec } from '../stats/live-topics.js';
import { staticHandler } from './static.js';

/** What the HTTP edge needs: every feature, and the process metrics it serves and adds to. */
type App = FeatureDeps & { readonly metrics: MetricsRegistry };

/**
 * What one WebSocket connection keeps: its address, its caller once signed in, its budget once it
 * subscribes. It is the socket itself (the WebSocketServer makes it: fields, not an object beside it).
 */
class Connection extends WsConnection {
  ip = '';
  actor: Actor | null = null;
  budget: ConnectionBudget | null = null;
}

export interface HttpServer {
  server: Server;
  close(): Promise<void>;
}

/** HTTP and WebSocket GraphQL on one port at /graphql, health checks, and the built dashboard. */
export async function createHttpServer(app: App, dashboardDir: string | null): Promise<HttpServer> {
  const schema = await graphqlSchema();
  const tls = tlsOptions(app.config);
  // One port either way: HTTPS and WSS when TLS_CERT/TLS_KEY are set, else plain HTTP behind a TLS proxy.
  const server = (tls ? createHttpsServer(tls) : createServer()) as Server;
  const refusals = app.metrics.counter('hcp_graphql_errors_total', 'Errors answered to clients, by extensions.code (HTTP and WebSocket)');
  const formatAndCount: typeof formatError = (formatted, error) => {
    const out = formatError(formatted, error);
    refusals.inc({ code: String(out.extensions?.code ?? 'UNKNOWN') });
    return out;
  };
  const apollo = new ApolloServer<Context<App>>({
    schema,
    formatError: formatAndCount,
    validationRules: extraRules,
    // Production answers neither introspection nor "did you mean …" hints: the schema is not advertised.
    introspection: !app.config.production,
    hideSchemaDetailsFromClientErrors: app.config.production,
    parseOptions: PARSE_OPTIONS,
    includeStacktraceInErrorResponses: false,
    // main.ts stops everything on SIGINT/SIGTERM; Apollo's own handler, racing it, left the process hanging.
    stopOnTerminationSignals: false,
    plugins: [
      drainHttpServer(server),
      tooManyRequestsStatus,
      // Apollo's cache-control plugin, installed unless disabled, wraps every field resolver of every
      // request to collect cache hints we never give, only to answer `cache-control: no-store`: we send
      // that header ourselves (graphqlRequest). The reporting plugins would need an Apollo key anyway.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginInlineTraceDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      ApolloServerPluginUsageReportingDisabled(),
    ],
  });
  await apollo.start();
  const serveStatic = dashboardDir ? staticHandler(dashboardDir) : null;

  server.on('request', (req, res) => {
    route(app, apollo, serveStatic, req, res).catch((err) => {
      log.error('request failed', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    });
  });

  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: app.config.maxBodyBytes, WebSocket: Connection });
  // Shared live topics: computed and serialised once per update for all their subscribers.
  const live = createLiveSubscribeHandler(app.liveHub, (actor, field, args) => liveTopicSpec(app, actor, field, args), {
    retryMs: app.config.liveIntervalMs,
  });
  const guard = new WsGuard({
    maxConnectionsPerIp: app.config.wsMaxConnectionsPerIp,
    maxSubscriptionsPerConnection: app.config.wsMaxSubscriptions,
    newTopicsPerMinute: app.config.liveNewTopicsPerMinute,
    newTopicsPerMinutePerIp: app.config.liveNewTopicsPerMinutePerIp,
  });
  // A session that ends (logout here or on another server) takes its WebSocket connections with it.
  const sessionSockets = new Map<string, Set<WebSocket>>();
  const stopWatchingSessions = app.sessions.onEnded((sessionId) => {
    for (const socket of sessionSockets.get(sessionId) ?? []) socket.close(CLOSE_SESSION_ENDED, 'the session has ended; sign in again');
    sessionSockets.delete(sessionId);
  });
  // One syntax tree per distinct subscription text, shared by its subscribers (memory per idle screen).
  const documents = new DocumentCache(schema);
  const wsServer = serveGraphqlWs<Connection>(
    wss,
    {
      // The upgrade request (its headers and buffers) is not kept: only the address it came from.
      onOpen: (conn, request) => {
        const ip = clientAddress(request);
        if (guard.admit(ip)) {
          conn.ip = ip;
          return true;
        }
        conn.close(CLOSE_TOO_MANY, 'too many connections from this address');
        return false;
      },
      onConnect: async (conn, params) => {
        try {
          const actor = await actorFromCredentials(app, params.authorization as string | undefined, params.apiKey as string | undefined);
          conn.actor = actor;
          if (actor.sessionId) trackSessionSocket(actor.sessionId, conn);
          return true;
        } catch {
          return false;
        }
      },
      context: (conn, id, wanted) =>
        ({
          app,
          // Each operation gets its own request id, written on the audit records it causes.
          actor: { ...conn.actor!, ip: conn.ip, requestId: randomUUID() },
          clientIp: conn.ip,
          ...liveContext(conn, id, () => budgetOf(conn).takeNewTopic(), wanted),
        }) satisfies Context<App>,
      subscribe: (args) => live.start(args),
      // The same limits as on HTTP; every refusal is a coded client error, and the document is never logged.
      onSubscribe: (conn, id, payload) => {
        // The operations of the connection include this one.
        if (!guard.hasRoom(conn.operationCount - 1)) {
          return [
            clientError('RATE_LIMITED', `at most ${guard.limits.maxSubscriptionsPerConnection} subscriptions per connection; end one before starting another`),
          ];
        }
        const tooLong = checkDocumentText(payload.query);
        if (tooLong) return [tooLong];
        const parsed = documents.get(payload.query);
        if ('parseError' in parsed) return [clientError('GRAPHQL_PARSE_FAILED', parsed.parseError)];
        if ('errors' in parsed) return parsed.errors.map((e) => clientError('GRAPHQL_VALIDATION_FAILED', e.message));
        const { document } = parsed;
        const badText = checkText(payload.query, payload.variables);
        if (badText) return [badText];
        // Variables of the wrong type are the client's error, as on HTTP (graphql-ws would report them uncoded).
        const operation = getOperationAST(document, payload.operationName);
        const coerced = operation ? getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {}, { maxErrors: 10 }) : null;
        if (coerced?.errors) return coerced.errors.map((e) => clientError('BAD_USER_INPUT', e.message.slice(0, 300)));
        return { schema, document, variableValues: payload.variables, operationName: payload.operationName } as ExecutionArgs;
      },
      onError: (errors) =>
        errors.map((e) => {
          const formatted = formatAndCount(e.toJSON(), e);
          return new GraphQLError(formatted.message, { extensions: formatted.extensions });
        }),
      // Execution errors of subscriptions (a role or scope refused in `subscribe`) get their codes the same way as on HTTP.
      onNext: (result) => (result.errors?.length ? { ...result, errors: result.errors.map((e) => formatAndCount(e.toJSON(), e)) } : undefined),
      onClose: (conn) => {
        guard.release(conn.ip);
        const sessionId = conn.actor?.sessionId;
        if (sessionId) untrackSessionSocket(sessionId, conn);
      },
    },
    { isProd: app.config.production, connectionInitWaitMs: app.config.wsInitWaitMs },
  );

  function trackSessionSocket(sessionId: string, socket: WebSocket): void {
    let sockets = sessionSockets.get(sessionId);
    if (!sockets) sessionSockets.set(sessionId, (sockets = new Set()));
    sockets.add(socket);
  }

  function untrackSessionSocket(sessionId: string, socket: WebSocket): void {
    const sockets = sessionSockets.get(sessionId);
    sockets?.delete(socket);
    if (sockets?.size === 0) sessionSockets.delete(sessionId);
  }

  function budgetOf(conn: Connection): ConnectionBudget {
    conn.budget ??= guard.connection(conn.ip);
    return conn.budget;
  }

  app.metrics.sample({ name: 'hcp_ws_connections', help: 'Open WebSocket connections', type: 'gauge', read: () => wss.clients.size });
  app.metrics.sample({
    name: 'hcp_live_frames_skipped_total',
    help: 'Live frames skipped for slow sockets (a newer one replaced them)',
    type: 'counter',
    read: () => live.skippedFrames(),
  });

  return {
    server,
    async close() {
      stopWatchingSessions();
      await wsServer.dispose(); // closes the WebSocket server too
      await apollo.stop();
    },
  };
}

async function route(
  app: App,
  apollo: ApolloServer<Context<App>>,
  serveStatic: ((req: IncomingMessage, res: ServerResponse) => void) | null,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  setSecurityHeaders(res, url.pathname, { embedOrigins: app.config.embedOrigins, tls: !!(app.config.tlsCert && app.config.tlsKey) });
  if (url.pathname === '/healthz') return sendText(res, 200, 'ok');
  if (url.pathname === '/readyz') return readiness(app, res);
  if (url.pathname === '/metrics') return metrics(app, req, res);
  if (url.pathname === '/graphql') return graphqlRequest(app, apollo, req, res, url);
  if (url.pathname.startsWith('/api/v1/')) return apiV1Request(app, req, res, url.pathname);
  if (/^\/(sms|r|qr)\//.test(url.pathname) && (await smsRequest(app, req, res, url.pathname))) return;
  if (url.pathname.startsWith('/export/')) return exportRequest(app, req, res, url);
  if (BULLETIN_FILE.test(url.pathname)) return bulletinFileRequest(app, req, res, url.pathname);
  if (serveStatic && (req.method === 'GET' || req.method === 'HEAD')) return serveStatic(req, res);
  return sendText(res, 404, serveStatic ? 'not found' : 'not found (the dashboard is not built: run `npm run build`)');
}

/** Prometheus metrics, for a scraper holding METRICS_TOKEN; without the setting the route does not exist. */
async function metrics(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const token = app.config.metricsToken;
  if (!token) return sendText(res, 404, 'not found (set METRICS_TOKEN to expose /metrics)');
  const given = Buffer.from(req.headers.authorization ?? '');
  const expected = Buffer.from(`Bearer ${token}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return sendText(res, 401, 'a bearer token (METRICS_TOKEN) is needed');
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
  res.end(await app.metrics.render());
}

async function readiness(app: App, res: ServerResponse): Promise<void> {
  try {
    await app.orm.em.fork().getConnection().execute('select 1');
    sendText(res, 200, 'ready');
  } catch {
    sendText(res, 503, 'database unavailable');
  }
}

async function graphqlRequest(app: App, apollo: ApolloServer<Context<App>>, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  let body: unknown;
  try {
    body = req.method === 'POST' ? await readJsonBody(req, app.config.maxBodyBytes) : undefined;
  } catch (err) {
    if (err instanceof BodyTooLargeError) {
      res.setHeader('connection', 'close');
      return sendJson(res, 413, { errors: [{ message: err.message, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] });
    }
    const message = err instanceof BadBodyError ? err.message : 'the request body could not be read';
    return sendJson(res, 400, { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
  }
  const query = req.method === 'POST' ? (body as { query?: unknown } | undefined)?.query : url.searchParams.get('query');
  const refused =
    checkDocumentText(query) ??
    checkText(query, req.method === 'POST' ? (body as { variables?: unknown } | undefined)?.variables : url.searchParams.get('variables'));
  if (refused) return sendJson(res, 400, { errors: [{ message: refused.message, extensions: refused.extensions }] });
  let actor: Actor;
  try {
    actor = await actorFromCredentials(app, headers.get('authorization'), headers.get('x-api-key'));
  } catch (err) {
    // The same error table as every GraphQL answer: a domain error keeps its code, anything else is masked.
    const formatted = formatError({ message: 'credentials refused' }, err);
    return sendJson(res, 401, { errors: [formatted] });
  }
  // A request id from a trusted proxy is kept when it looks like one; otherwise we make one. It is
  // sent back and written on every audit record of this request.
  const requestId = requestIdOf(headers.get('x-request-id'));
  res.setHeader('x-request-id', requestId);
  const ip = req.socket.remoteAddress ?? 'unknown';
  const result = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
    context: async () => ({ app, actor: { ...actor, ip, requestId }, clientIp: ip }),
  });
  // GraphQL answers carry personal and scoped data: never kept by a browser or a proxy.
  res.setHeader('cache-control', 'no-store');
  for (const [key, value] of result.headers) res.setHeader(key, value);
  res.statusCode = result.status ?? 200;
  if (result.body.kind === 'complete') {
    res.end(result.body.string);
    return;
  }
  for await (const chunk of result.body.asyncIterator) res.write(chunk);
  res.end();
}

function tlsOptions(config: App['config']): { cert: Buffer; key: Buffer } | null {
  if (!config.tlsCert && !config.tlsKey) return null;
  if (!config.tlsCert || !config.tlsKey) throw new Error('set both TLS_CERT and TLS_KEY (PEM files), or neither');
  return { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) };
}

function requestIdOf(given: string | null | undefined): string {
  return given && /^[A-Za-z0-9._-]{8,40}$/.test(given) ? given : randomUUID();
}

/** A refusal for too many requests is answered with HTTP 429 and Retry-After, not 200. */
/**
 * Apollo's drain on stop, on Node's own connection tracking: stop accepting, end idle connections
 * (and each one whose request finishes), destroy what is left after the grace period. Apollo's
 * ApolloServerPluginDrainHttpServer does the same with a map entry and a `close` listener of its own
 * on every socket the server accepts, upgraded WebSockets included, for as long as they live: about
 * 350 bytes per idle live screen, more than the rest of our per-subscriber state together.
 */
function drainHttpServer(server: Server, graceMs = 10_000): ApolloServerPlugin<Context<App>> {
  return {
    async serverWillStart() {
      return {
        async drainServer() {
          await new Promise<void>((resolve) => {
            const idle = setInterval(() => server.closeIdleConnections(), 50);
            const hard = setTimeout(() => server.closeAllConnections(), graceMs);
            server.close(() => {
              clearInterval(idle);
              clearTimeout(hard);
              resolve();
            });
          });
        },
      };
    },
  };
}

const tooManyRequestsStatus: ApolloServerPlugin<Context<App>> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        if (response.body.kind !== 'single') return;
        const limited = response.body.singleResult.errors?.find((e) => e.extensions?.code === 'RATE_LIMITED');
        if (!limited) return;
        const retryAfter = Number(limited.extensions?.retryAfter ?? 60);
        response.http.status = 429;
        response.http.headers.set('retry-after', String(Number.isFinite(retryAfter) ? Math.max(1, Math.ceil(retryAfter)) : 60));
      },
    };
  },
};

/** A client error over graphql-ws with its code; long messages (they may echo the document) are cut. */
function clientError(code: string, message: string): GraphQLError {
  return new GraphQLError(message.length > 300 ? `${message.slice(0, 300)}…` : message, { extensions: { code } });
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}
