import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql/index.js';
import type { Client } from 'graphql-ws';
import type { Role } from '../../../server/src/common/actor.js';
import { createUser } from '../../../server/src/auth/auth.service.js';
import { graphqlSchema } from '../../../server/src/graphql/schema.js';
import type { Em } from '../../../server/src/db/orm.js';
import { CITY, DISTRICT_A, makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { startTestServer, type GqlResult, type TestServer } from '../../support/server.js';
import { newService, ratingToken } from '../../support/services.js';
import { subscribe, wsClient } from '../screen/ws-client.js';
import { ANYONE, RULES } from './access-matrix.rules.js';

/**
 * The authorization matrix (访问控制): every query, mutation and subscription of the schema × every
 * kind of caller × both transports (HTTP and graphql-ws). Each cell is either refused for the role
 * (FORBIDDEN or UNAUTHENTICATED, tagged `reason: ROLE | CREDENTIAL`, no data) or passes the role check
 * (whatever the operation then says about its dummy arguments). The rule of each operation is
 * declared in access-matrix.rules.ts; an operation without a rule fails here.
 */

interface Identity {
  name: string;
  role: Role;
  auth: { token?: string; apiKey?: string };
}

type Answer = GqlResult<unknown>;

/** Executing `logout` as an allowed caller would end the session the other cells use: the session tests cover it. */
const NOT_EXECUTED_WHEN_ALLOWED = new Set(['mutation logout']);

let server: TestServer;
let fx: Fixture;
let schema: GraphQLSchema;
const identities: Identity[] = [];
const clients = new Map<string, Client>();

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
  schema = await graphqlSchema();
  const em = server.app.orm.em.fork() as Em;
  await createUser(
    em,
    { username: 'other-super', password: 'other-pass', role: 'supervisor', displayName: '另一市', regionCode: '340100000000' },
    0,
    server.app.config.passwordHashCost,
  );
  await createUser(
    em,
    { username: 'hot', password: 'hot-pass', role: 'hotline', displayName: '12345', regionCode: CITY },
    0,
    server.app.config.passwordHashCost,
  );
  const token = (u: string, p: string) => sessionToken(server, u, p);
  const admin = await token('admin', 'admin-pass');
  const screen = async (kind: string, regionCode: string | null, departmentId: number | null) => {
    const res = await server.gql<{ issueScreenToken: { token: string } }>(
      'mutation ($k: ScreenTokenKind!, $r: String, $d: Int) { issueScreenToken(kind: $k, label: "矩阵", regionCode: $r, departmentId: $d) { token } }',
      { k: kind, r: regionCode, d: departmentId },
      { token: admin },
    );
    return res.data!.issueScreenToken.token;
  };
  const service = await newService(server, fx);
  const people: Array<[string, Role, string, string]> = [
    ['officer of A', 'department', 'police', 'police-pass'],
    ['officer of B', 'department', 'market', 'market-pass'],
    ['supervisor of the region', 'supervisor', 'super', 'super-pass'],
    ['supervisor of another region', 'supervisor', 'other-super', 'other-pass'],
    ['hotline', 'hotline', 'hot', 'hot-pass'],
    ['system admin', 'admin', 'admin', 'admin-pass'],
    ['security admin', 'security', 'security', 'security-pass'],
    ['auditor', 'auditor', 'auditor', 'auditor-pass'],
  ];
  identities.push(
    { name: 'public', role: 'public', auth: {} },
    { name: 'rater', role: 'rater', auth: { token: await ratingToken(server, fx, service) } },
    { name: 'device', role: 'device', auth: { apiKey: fx.keys.window } },
    { name: 'system of A', role: 'system', auth: { apiKey: fx.keys.police } },
    { name: 'system of B', role: 'system', auth: { apiKey: fx.keys.market } },
    ...(await Promise.all(people.map(async ([name, role, u, p]) => ({ name, role, auth: { token: await token(u, p) } })))),
    { name: 'screen token of a region', role: 'screen', auth: { token: await screen('SCREEN', DISTRICT_A, null) } },
    { name: 'screen token of a department', role: 'screen', auth: { token: await screen('SCREEN', null, fx.departments.police.id) } },
    { name: 'embed token of a region', role: 'screen', auth: { token: await screen('EMBED', DISTRICT_A, null) } },
    { name: 'embed token of a department', role: 'screen', auth: { token: await screen('EMBED', null, fx.departments.market.id) } },
  );
}, 120_000);

afterAll(async () => {
  await Promise.all([...clients.values()].map((c) => c.dispose()));
  await server.close();
});

/** `kind name` of every root field of the schema. */
function operations(): Array<{ key: string; kind: 'query' | 'mutation' | 'subscription'; field: GraphQLField<unknown, unknown> }> {
  const roots = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const;
  return roots.flatMap(([kind, type]) => Object.values(type?.getFields() ?? {}).map((field) => ({ key: `${kind} ${field.name}`, kind, field })));
}

/** A literal of the right type that names nothing real (ids that do not exist, short strings). */
function dummy(type: GraphQLInputType): string {
  if (isNonNullType(type)) return dummy(type.ofType);
  if (isListType(type)) return `[${dummy(type.ofType)}]`;
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    const required = Object.values(type.getFields()).filter((f) => isNonNullType(f.type) && f.defaultValue === undefined);
    return `{ ${required.map((f) => `${f.name}: ${dummy(f.type)}`).join(', ')} }`;
  }
  if (isScalarType(type)) {
    if (type.name === 'Int' || type.name === 'Float') return '999999';
    if (type.name === 'Boolean') return 'false';
    if (type.name.startsWith('DateTime')) return '"2026-01-01T00:00:00Z"';
    return '"x"';
  }
  return '"x"';
}

function documentOf(kind: string, field: GraphQLField<unknown, unknown>): string {
  const args = field.args.filter((a) => isNonNullType(a.type) && a.defaultValue === undefined);
  const argText = args.length ? `(${args.map((a) => `${a.name}: ${dummy(a.type)}`).join(', ')})` : '';
  const leaf = isScalarType(getNamedType(field.type)) || isEnumType(getNamedType(field.type));
  return `${kind} { ${field.name}${argText}${leaf ? '' : ' { __typename }'} }`;
}

function allowed(key: string, role: Role): boolean {
  const rule = RULES[key]!;
  return rule === ANYONE || rule.includes(role);
}

/** A refusal made by the role check (not by the operation's own rules). */
function refusedForRole(answer: Answer): boolean {
  return (answer.errors ?? []).some((e) => {
    const reason = (e.extensions as { reason?: string } | undefined)?.reason;
    return (e.extensions?.code === 'FORBIDDEN' && reason === 'ROLE') || (e.extensions?.code === 'UNAUTHENTICATED' && reason === 'CREDENTIAL');
  });
}

function clientOf(identity: Identity): Client {
  let client = clients.get(identity.name);
  if (!client) {
    client = wsClient(
      server.url,
      identity.auth.token ? { authorization: `Bearer ${identity.auth.token}` } : identity.auth.apiKey ? { apiKey: identity.auth.apiKey } : {},
    );
    clients.set(identity.name, client);
  }
  return client;
}

/**
 * Over graphql-ws: the first message. A query or mutation always answers; an accepted subscription may
 * wait for a change, so after a while without a message it counts as accepted (a refusal is immediate).
 */
async function overWs(identity: Identity, document: string, kind: string): Promise<Answer> {
  const sub = subscribe<unknown>(clientOf(identity), document, {});
  // The quiet wait of a subscription starts once the server has answered a query sent on the same socket
  // just after it: on a loaded machine the socket's handshake and the refusal itself can take seconds.
  let answered: Promise<unknown> = Promise.resolve();
  if (kind === 'subscription') {
    const probe = subscribe<unknown>(clientOf(identity), '{ __typename }', {});
    answered = probe.next().finally(() => probe.dispose());
  }
  const wait = kind === 'subscription' ? 1500 : 60_000;
  const quiet = answered.then(
    () =>
      new Promise<Answer>((resolve) =>
        setTimeout(() => resolve({ data: kind === 'subscription' ? 'no message yet' : null, errors: [{ message: 'no answer' }] }), wait),
      ),
  );
  const answer = await Promise.race([sub.next() as Promise<Answer>, quiet]);
  sub.dispose();
  return answer;
}

describe('authorization matrix (访问控制, level 3)', () => {
  it('declares a rule for every operation of the schema, and no rule for one that is gone', () => {
    const keys = operations().map((o) => o.key);
    expect(keys.filter((k) => !(k in RULES))).toEqual([]);
    expect(Object.keys(RULES).filter((k) => !keys.includes(k))).toEqual([]);
  });

  it('refuses every cell outside the rule and lets every cell inside it pass the role check, over HTTP and graphql-ws', async () => {
    const wrong: string[] = [];
    let cells = 0;
    await Promise.all(
      identities.map(async (identity) => {
        for (const { key, kind, field } of operations()) {
          const document = documentOf(kind, field);
          const mayCall = allowed(key, identity.role);
          if (mayCall && NOT_EXECUTED_WHEN_ALLOWED.has(key)) continue;
          const transports: Array<['http' | 'ws', () => Promise<Answer>]> = [['ws', () => overWs(identity, document, kind)]];
          if (kind !== 'subscription') transports.push(['http', () => server.gql(document, {}, identity.auth)]);
          for (const [transport, run] of transports) {
            const answer = await run();
            cells++;
            const refused = refusedForRole(answer);
            const leaked = refused && answer.data && (answer.data as Record<string, unknown>)[field.name] != null;
            if (mayCall === refused || leaked) {
              wrong.push(
                `${key} as ${identity.name} over ${transport}: expected ${mayCall ? 'allowed' : 'refused'}, got ${JSON.stringify(answer).slice(0, 200)}`,
              );
            }
          }
        }
      }),
    );
    console.log(`authorization matrix: ${operations().length} operations × ${identities.length} identities, ${cells} cells executed over HTTP and graphql-ws`);
    expect(wrong).toEqual([]);
    expect(cells).toBeGreaterThan(operations().length * identities.length);
  }, 300_000);

  it('gives signed-in callers at least what the public gets: every read open to the public admits every identity', () => {
    for (const [key, rule] of Object.entries(RULES)) {
      if (!key.startsWith('mutation')) expect(rule === ANYONE || !rule.includes('public'), key).toBe(true);
    }
  });
});
