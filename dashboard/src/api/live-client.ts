import { ref, type Ref } from 'vue';
import { createClient, type Client } from 'graphql-ws';
import { backoffDelay } from './backoff.js';
import { connectionParams, credentialKey, type Credentials } from './credentials.js';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'offline';

/** The one graphql-ws client of a page (per set of credentials) and what the indicator shows about it. */
export interface LiveClient {
  client: Client;
  state: Ref<ConnectionState>;
  /** Increases on every (re)connection: snapshots from a new connection replace, never add to, what is held. */
  generation: Ref<number>;
  /** Close code and reason of the last lost connection (4403 = the credentials were refused). */
  lastClose: Ref<{ code: number; reason: string } | null>;
}

const KEEP_ALIVE_MS = 10_000;
const PONG_TIMEOUT_MS = 5_000;
const clients = new Map<string, LiveClient>();

export function liveClient(credentials: Credentials = {}): LiveClient {
  const key = credentialKey(credentials);
  let live = clients.get(key);
  if (!live) clients.set(key, (live = createLiveClient(credentials)));
  return live;
}

/** Closes and forgets the client of these credentials (a device key that was refused or replaced). */
export function disposeLiveClient(credentials: Credentials): void {
  const key = credentialKey(credentials);
  const live = clients.get(key);
  clients.delete(key);
  void live?.client.dispose();
}

function wsUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/graphql`;
}

function createLiveClient(credentials: Credentials): LiveClient {
  const state = ref<ConnectionState>('connecting');
  const generation = ref(0);
  const lastClose = ref<{ code: number; reason: string } | null>(null);
  let socket: WebSocket | null = null;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  // Subscription ids "1", "2", … instead of UUIDs: a subscription keeps its id across reconnects and this
  // client never reuses one, so ids stay unique on every socket it opens, and the first subscriptions of
  // every screen carry the same ids (the server can share one ready frame between sockets).
  let lastId = 0;
  const client = createClient({
    url: wsUrl(),
    connectionParams: () => connectionParams(credentials),
    // Connect at once, in parallel with the page's first queries: a screen's first figures come sooner.
    lazy: false,
    generateID: () => String(++lastId),
    onNonLazyError: () => undefined,
    keepAlive: KEEP_ALIVE_MS,
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, backoffDelay(retries))),
    on: {
      connecting: (isRetry) => {
        state.value = isRetry ? 'reconnecting' : 'connecting';
      },
      connected: (s) => {
        if (generation.value === 0) performance.mark('hcp:live-connected');
        socket = s as WebSocket;
        generation.value += 1;
        state.value = 'connected';
      },
      closed: (event) => {
        socket = null;
        clearTimeout(pongTimer);
        const e = event as { code?: number; reason?: string };
        if (typeof e.code === 'number') lastClose.value = { code: e.code, reason: e.reason ?? '' };
        state.value = typeof navigator !== 'undefined' && navigator.onLine === false ? 'offline' : 'reconnecting';
      },
      // A half-open socket (cable pulled, NAT timeout) sends nothing: no pong in time means reconnect.
      ping: (received) => {
        if (received) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => {
          if (socket?.readyState === WebSocket.OPEN) socket.close(4408, 'Request Timeout');
        }, PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  });
  return { client, state, generation, lastClose };
}
