import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMetadataStorage } from 'type-graphql';
import { makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { newService, registerService, submit } from '../../support/services.js';
import { graphqlSchema } from '../../../server/src/graphql/schema.js';

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(() => server.close());

describe('roles', () => {
  it('declares who may call every query, mutation and subscription', async () => {
    const schema = await graphqlSchema();
    const authorized = new Set(getMetadataStorage().authorizedFields.map((f) => `${f.target.name}.${f.fieldName}`));
    const resolverFields = [...getMetadataStorage().queries, ...getMetadataStorage().mutations, ...getMetadataStorage().subscriptions].map(
      (r) => `${r.target.name}.${r.methodName}`,
    );
    expect(resolverFields.length).toBeGreaterThan(8);
    expect(resolverFields.filter((f) => !authorized.has(f))).toEqual([]);
    const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean);
    const rootFieldCount = roots.reduce((n, t) => n + Object.keys(t!.getFields()).length, 0);
    expect(resolverFields.length).toBe(rootFieldCount);
  });

  it('asks an anonymous caller to authenticate and refuses a caller of the wrong role', async () => {
    const anonymous = await registerService(server, fx, { key: '' });
    expect(codeOf(anonymous)).toBe('UNAUTHENTICATED');
    const officer = await sessionToken(server, 'market', 'market-pass');
    const res = await server.gql('mutation { createApiKey(role: "system", name: "x", departmentId: 1) }', {}, { token: officer });
    expect(codeOf(res)).toBe('FORBIDDEN');
  });

  it('rejects an unknown API key and a wrong password with UNAUTHENTICATED', async () => {
    expect(codeOf(await registerService(server, fx, { key: 'hcp_not_a_key' }))).toBe('UNAUTHENTICATED');
    const res = await server.gql('mutation { login(username: "market", password: "wrong") { token } }');
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
    expect(res.errors![0]!.message).toBe('the username or password is wrong');
  });

  it("applies a department officer's scope in the query: own department and sub-units only", async () => {
    const police = await sessionToken(server, 'police', 'police-pass');
    const own = await newService(server, fx, { deptCode: fx.departments.exitEntry.creditCode, taskCode: fx.items.passport.taskCode, key: fx.keys.police });
    const other = await newService(server, fx);
    const ownRating = await submit(server, { ...own, level: 5 }, { apiKey: fx.keys.police });
    const otherRating = await submit(server, { ...other, level: 5 }, { apiKey: fx.keys.market });
    const q = 'query ($id: Int!) { rating(id: $id) { id level } }';
    expect((await server.gql(q, { id: ownRating.data!.submitEvaluation.id }, { token: police })).errors).toBeUndefined();
    expect(codeOf(await server.gql(q, { id: otherRating.data!.submitEvaluation.id }, { token: police }))).toBe('FORBIDDEN');
  });

  it('applies the same validation limits on HTTP (query depth)', async () => {
    const deep = '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }';
    expect(codeOf(await server.gql(deep))).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('answers health and readiness checks', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${server.url}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready']);
  });
});
