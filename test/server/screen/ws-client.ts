import WebSocket from 'ws';
import { createClient, type Client } from 'graphql-ws';

export interface Subscription<T> {
  /** The next message not yet taken (waits for it). */
  next(): Promise<{ data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> }>;
  /** Resolves when the server has accepted the subscribe (its first frame or the given ack). */
  dispose(): void;
}

/** A graphql-ws client on the test server's /graphql, with the given credentials. */
export function wsClient(url: string, params: { authorization?: string; apiKey?: string } = {}): Client {
  return createClient({
    url: url.replace(/^http/, 'ws') + '/graphql',
    webSocketImpl: WebSocket,
    connectionParams: params,
    retryAttempts: 0,
    lazy: true,
  });
}

/** Subscribes and queues every message (and the end or error) so a test can wait for each in turn, no sleeps. */
export function subscribe<T>(client: Client, query: string, variables: Record<string, unknown>): Subscription<T> {
  type Message = { data?: T; errors?: Array<{ message: string; extensions?: { code?: string } }> };
  const queue: Message[] = [];
  const waiters: Array<(m: Message) => void> = [];
  const put = (m: Message) => {
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  };
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => put(value as Message),
      error: (err) =>
        put({ errors: Array.isArray(err) ? err : [{ message: err instanceof Error ? err.message : String((err as { reason?: string }).reason ?? err) }] }),
      complete: () => undefined,
    },
  );
  return {
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiters.push(resolve))),
    dispose,
  };
}
