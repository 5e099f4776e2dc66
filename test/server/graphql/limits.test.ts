import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, validate } from 'graphql/index.js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { allRules, DEFAULT_LIMITS, PARSE_OPTIONS } from '../../../server/src/graphql/limits.js';
import { graphqlSchema } from '../../../server/src/graphql/schema.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService } from '../../support/services.js';
import { subscribe, wsClient } from '../screen/ws-client.js';

let server: TestServer;
let fx: Fixture;
const logged: string[] = [];

beforeAll(async () => {
  server = await startTestServer({ wsMaxConnectionsPerIp: 4, wsMaxSubscriptions: 5, liveNewTopicsPerMinute: 3 });
  fx = await makeFixture(server);
  const capture = (chunk: unknown) => {
    logged.push(String(chunk));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await server.close();
});

async function post(
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: { errors?: Array<{ extensions?: { code?: string } }> } }> {
  const res = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, json: (await res.json()) as { errors?: Array<{ extensions?: { code?: string } }> } };
}

const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: systemInfo { product }`).join(' ')} }`;
const deep = 'query { rectificationCases { items { rating { tags { code name nameEn level } } } } }';
/** Each fragment doubles the one below: 2^20 fields if expanded naively. */
const bomb = ['query { systemInfo { ...F20 } }', 'fragment F0 on SystemInfo { product version }']
  .concat(Array.from({ length: 20 }, (_, i) => `fragment F${i + 1} on SystemInfo { ...F${i} ...F${i} }`))
  .join('\n');

describe('document limits on HTTP (R12: the public endpoint cannot be made to do unbounded work)', () => {
  it('accepts 15 aliases and refuses 16 with a coded client error', async () => {
    expect(codeOf(await server.gql(aliases(15)))).toBeUndefined();
    expect(codeOf(await server.gql(aliases(16)))).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('refuses a fragment bomb without executing it', async () => {
    // Refused in validation (fragments expanded when measuring), so nothing of it ran: no data at all.
    const answer = await server.gql(bomb);
    expect(codeOf(answer)).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(answer.data).toBeUndefined();
  });

  it('refuses documents over the length and token limits before executing them', async () => {
    const long = `{ systemInfo { product } } ${'#'.repeat(DEFAULT_LIMITS.maxLength)}`;
    const answer = await post(JSON.stringify({ query: long }));
    expect(answer.status).toBe(400);
    expect(answer.json.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const tokens = `{ ${Array.from({ length: 600 }, () => 'systemInfo { product }').join(' ')} }`;
    expect(codeOf(await server.gql(tokens))).toBe('GRAPHQL_PARSE_FAILED');
  });

  it('answers 413 to a body over the limit, not a reset connection', async () => {
    const body = JSON.stringify({ query: '{ systemInfo { product } }', variables: { x: 'x'.repeat(6 * 1024 * 1024) } });
    const answer = await post(body);
    expect(answer.status).toBe(413);
    expect(answer.json.errors?.[0]?.extensions?.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('does not execute batched requests', async () => {
    const answer = await post(JSON.stringify([{ query: '{ systemInfo { product } }' }, { query: '{ systemInfo { product } }' }]));
    expect(answer.status).toBe(400);
  });

  it('lets every operation the dashboard and the tests use through the same limits', async () => {
    const schema = await graphqlSchema();
    const dir = join('schema', 'operations');
    const failing = readdirSync(dir)
      .filter((f) => f.endsWith('.graphql'))
      .flatMap((f) => validate(schema, parse(readFileSync(join(dir, f), 'utf8'), PARSE_OPTIONS), allRules).map((e) => `${f}: ${e.message}`));
    expect(failing).toEqual([]);
    expect(deep.length).toBeGreaterThan(0);
  });
});

describe('the same limits over graphql-ws', () => {
  it('answers a document over the limits with a coded client error, never INTERNAL_SERVER_ERROR', async () => {
    const client = wsClient(server.url);
    try {
      for (const query of [
        `subscription { overviewChanged { total ${Array.from({ length: 16 }, (_, i) => `t${i}: total`).join(' ')} } }`,
        bomb.replace('query', 'subscription').replace('systemInfo', 'overviewChanged'),
      ]) {
        const sub = subscribe(client, query, {});
        const message = await sub.next();
        expect(message.errors?.[0]?.extensions?.code ?? message.errors?.[0]?.message).toBe('GRAPHQL_VALIDATION_FAILED');
      }
    } finally {
      await client.dispose();
    }
  });

  it("refuses a malformed rating without writing the rater's name, mobile or the document to the log (R12)", async () => {
    const service = await newService(server, fx);
    const client = wsClient(server.url, { apiKey: fx.keys.market });
    const before = logged.length;
    try {
      const name = '欧阳娜娜';
      const mobile = '13987654321';
      const malformed = `mutation { submitEvaluation(input: { projectNo: "${service.projectNo}", serviceNumber: ${service.serviceNumber}, level: "five", raterName: "${name}", raterMobile: "${mobile}" }) { id } }`;
      const sub = subscribe(client, malformed, {});
      const message = await sub.next();
      expect(message.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const huge = `query { ${'x'.repeat(900 * 1024)} }`;
      const second = await subscribe(client, huge, {}).next();
      expect(second.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(JSON.stringify(second).length).toBeLessThan(2_000);
      const written = logged.slice(before).join('');
      for (const secret of [name, mobile, 'x'.repeat(1000)]) expect(written).not.toContain(secret);
    } finally {
      await client.dispose();
    }
  });

  it('caps subscriptions per connection (RATE_LIMITED)', async () => {
    const client = wsClient(server.url);
    try {
      const query = 'subscription { overviewChanged { total } }';
      const subs = Array.from({ length: 5 }, () => subscribe<{ overviewChanged: { total: number } }>(client, query, {}));
      for (const sub of subs) expect((await sub.next()).errors).toBeUndefined();
      const sixth = await subscribe(client, query, {}).next();
      expect(sixth.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
      subs[0]!.dispose();
      // Ending one makes room again (the server hears the completion before the next subscribe).
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await subscribe(client, query, {}).next()).errors).toBeUndefined();
    } finally {
      await client.dispose();
    }
  });

  it('limits how many new live topics one connection may make the server compute (RATE_LIMITED)', async () => {
    const client = wsClient(server.url);
    try {
      const query = 'subscription ($limit: Int) { hotTagsChanged(limit: $limit) { total } }';
      const codes: Array<string | undefined> = [];
      for (let limit = 11; limit <= 14; limit++) {
        const message = await subscribe<{ hotTagsChanged: { total: number } }>(client, query, { limit }).next();
        codes.push(message.errors?.[0]?.extensions?.code);
      }
      // Three new topics a minute: the fourth distinct one is refused.
      expect(codes).toEqual([undefined, undefined, undefined, 'RATE_LIMITED']);
      const same = await subscribe<{ hotTagsChanged: { total: number } }>(client, query, { limit: 11 }).next();
      expect(same.errors).toBeUndefined(); // a topic already live costs no new-topic budget
    } finally {
      await client.dispose();
    }
  });

  it('limits the new live topics of all connections of one address together, also across reconnects (RATE_LIMITED)', async () => {
    // Without a shared allowance, an address multiplies the per-connection one by opening connections.
    const own = await startTestServer({ liveNewTopicsPerMinute: 3, liveNewTopicsPerMinutePerIp: 5 });
    const query = 'subscription ($limit: Int) { hotTagsChanged(limit: $limit) { total } }';
    const codesOf = async (client: ReturnType<typeof wsClient>, limits: number[]) => {
      const codes: Array<string | undefined> = [];
      for (const limit of limits) codes.push((await subscribe(client, query, { limit }).next()).errors?.[0]?.extensions?.code);
      return codes;
    };
    const first = wsClient(own.url);
    const second = wsClient(own.url);
    try {
      expect(await codesOf(first, [21, 22, 23])).toEqual([undefined, undefined, undefined]);
      // The second connection has 3 of its own, but the address has 2 left.
      expect(await codesOf(second, [24, 25, 26])).toEqual([undefined, undefined, 'RATE_LIMITED']);
      await first.dispose();
      await second.dispose();
      const third = wsClient(own.url);
      try {
        expect(await codesOf(third, [27])).toEqual(['RATE_LIMITED']);
      } finally {
        await third.dispose();
      }
    } finally {
      await own.close();
    }
  });

  it('closes connections beyond the per-address cap with 4429', async () => {
    const url = `${server.url.replace(/^http/, 'ws')}/graphql`;
    const open = (): Promise<WebSocket> =>
      new Promise((resolve, reject) => {
        const ws = new WebSocket(url, 'graphql-transport-ws');
        ws.once('open', () => resolve(ws));
        ws.once('error', reject);
      });
    const sockets = [await open(), await open(), await open(), await open()];
    const fifth = await open();
    const code = await new Promise<number>((resolve) => fifth.once('close', (c) => resolve(c)));
    expect(code).toBe(4429);
    sockets.forEach((s) => s.close());
  });
});
