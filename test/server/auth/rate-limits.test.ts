import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService } from '../../support/services.js';

const ISSUE = 'mutation ($p: String!, $n: Int!) { issueRatingToken(projectNo: $p, serviceNumber: $n) { token } }';
const RATE = 'mutation ($i: SubmitEvaluationInput!) { submitEvaluation(input: $i) { id } }';

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer({ ratingsPerMinutePerAddress: 3, tokensPerMinutePerKey: 4 });
  fx = await makeFixture(server);
});
afterAll(() => server.close());

async function post(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    body: (await res.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> },
  };
}

describe('rate limits (入侵防范)', () => {
  it('limits anonymous ratings per client address with HTTP 429 and Retry-After; machine keys are not limited by address', async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof post>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await post(RATE, { i: { token: 'not-a-token', level: 5 } });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 3)).not.toContain(429);
    expect(last!.status).toBe(429);
    expect(codeOf(last!.body)).toBe('RATE_LIMITED');
    expect(Number(last!.retryAfter)).toBeGreaterThan(0);
    const service = await newService(server, fx);
    const byDevice = await server.gql(RATE, { i: { ...service, level: 5, channel: 'WINDOW' } }, { apiKey: fx.keys.market });
    expect(codeOf(byDevice)).not.toBe('RATE_LIMITED');
  });

  it('limits rating tokens per issuing key', async () => {
    const service = await newService(server, fx);
    const codes: Array<string | undefined> = [];
    for (let i = 0; i < 5; i++) codes.push(codeOf(await server.gql(ISSUE, { p: service.projectNo, n: service.serviceNumber }, { apiKey: fx.keys.police })));
    expect(codes.slice(0, 4).filter((c) => c === 'RATE_LIMITED')).toEqual([]);
    expect(codes[4]).toBe('RATE_LIMITED');
    // Another key has its own budget.
    expect(codeOf(await server.gql(ISSUE, { p: service.projectNo, n: service.serviceNumber }, { apiKey: fx.keys.market }))).not.toBe('RATE_LIMITED');
  });
});

const redisUrl = process.env.REDIS_URL;

describe.runIf(redisUrl)('rate limits shared through Redis', () => {
  it('counts sign-in attempts of one address on two servers together', async () => {
    const shared = { loginAttemptsPerMinute: 4, redisUrl, rateLimitNamespace: `shared${Date.now().toString(36)}` };
    const a = await startTestServer(shared);
    const b = await startTestServer(shared);
    try {
      const login = 'mutation { login(username: "nobody", password: "x") { token } }';
      const codes: Array<string | undefined> = [];
      for (let i = 0; i < 2; i++) codes.push(codeOf(await a.gql(login)));
      for (let i = 0; i < 3; i++) codes.push(codeOf(await b.gql(login)));
      expect(codes.slice(0, 4)).not.toContain('RATE_LIMITED');
      expect(codes[4]).toBe('RATE_LIMITED');
    } finally {
      await a.close();
      await b.close();
    }
  });
});
