import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUser } from '../../../server/src/auth/auth.service.js';
import type { Config } from '../../../server/src/common/config.js';
import type { Em } from '../../../server/src/db/orm.js';
import { recountRectRollup, storedRectRollup } from '../../../server/src/rectification/figures.store.js';
import { expect } from 'vitest';
import { CITY, makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { startTestServer, type GqlResult, type TestServer } from '../../support/server.js';
import { newService, submit, type ServiceSpec } from '../../support/services.js';

/** A message as the SMS gateway or portal stand-in received it. */
export interface Received {
  path: string;
  idempotencyKey: string | undefined;
  body: Record<string, unknown>;
}

/**
 * A real local HTTP stand-in for the SMS gateway and the portal's message service, on 127.0.0.1:
 * records every request, answers 200, or 503 while `failing` is set. Tests wait on `next()`, never sleep.
 */
export class MessageStandIn {
  readonly received: Received[] = [];
  failing = false;
  private server!: Server;
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.failing) {
          res.writeHead(503).end('unavailable');
          return;
        }
        this.received.push({
          path: req.url ?? '',
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
        this.waiters = this.waiters.filter((w) => (this.received.length >= w.count ? (w.resolve(), false) : true));
      });
    });
    await new Promise<void>((done) => this.server.listen(0, '127.0.0.1', done));
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once `count` messages in total have arrived. */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  close(): Promise<void> {
    return new Promise((done) => this.server.close(() => done()));
  }
}

export interface RectEnv {
  server: TestServer;
  fx: Fixture;
  messages: MessageStandIn;
  tokens: { police: string; market: string; supervisor: string; hotline: string; admin: string; exitEntry: string; districtSupervisor: string };
  close(): Promise<void>;
}

/** A test server with the catalog fixture, a hotline operator, officers of two departments and the message stand-in. */
export async function rectEnv(config: Partial<Config> = {}): Promise<RectEnv> {
  const messages = await new MessageStandIn().start();
  // Sessions outlive the weeks the deadline tests move the clock through.
  const server = await startTestServer({
    smsGatewayUrl: `${messages.url}/sms`,
    portalMessageUrl: `${messages.url}/portal`,
    sessionTtlHours: 24 * 365,
    ...config,
  });
  const fx = await makeFixture(server);
  const em = server.app.orm.em.fork() as Em;
  const now = server.clock.now().getTime();
  await createUser(
    em,
    { username: 'hotline', password: 'hotline-pass', role: 'hotline', displayName: '12345热线话务员', regionCode: CITY },
    now,
    server.app.config.passwordHashCost,
  );
  await createUser(
    em,
    { username: 'exit', password: 'exit-pass', role: 'department', displayName: '出入境经办人', departmentId: fx.departments.exitEntry.id },
    now,
    server.app.config.passwordHashCost,
  );
  await createUser(
    em,
    { username: 'dsuper', password: 'dsuper-pass', role: 'supervisor', displayName: '西城区政务服务管理局', regionCode: '419902000000' },
    now,
    server.app.config.passwordHashCost,
  );
  const tokens = {
    police: await sessionToken(server, 'police', 'police-pass'),
    market: await sessionToken(server, 'market', 'market-pass'),
    supervisor: await sessionToken(server, 'super', 'super-pass'),
    hotline: await sessionToken(server, 'hotline', 'hotline-pass'),
    admin: await sessionToken(server, 'admin', 'admin-pass'),
    exitEntry: await sessionToken(server, 'exit', 'exit-pass'),
    districtSupervisor: await sessionToken(server, 'dsuper', 'dsuper-pass'),
  };
  return {
    server,
    fx,
    messages,
    tokens,
    async close() {
      await server.close();
      await messages.close();
    },
  };
}

/** Submits a bad review (非常不满意 unless told) of a new market-department service; returns the service and rating id. */
export async function badReview(
  env: RectEnv,
  spec: ServiceSpec & { level?: number } = {},
): Promise<{ projectNo: string; serviceNumber: number; ratingId: number }> {
  const { level = 1, ...serviceSpec } = spec;
  const service = await newService(env.server, env.fx, serviceSpec);
  const res = await submit(
    env.server,
    { ...service, level, tags: [level === 1 ? '115' : '214'], comment: '窗口人员态度差' },
    { apiKey: serviceSpec.key ?? env.fx.keys.market },
  );
  if (!res.data) throw new Error(`submitEvaluation failed: ${JSON.stringify(res.errors)}`);
  return { ...service, ratingId: res.data.submitEvaluation.id };
}

export interface CaseRow {
  id: number;
  state: string;
  departmentName: string;
  allowedActions: string[];
  overdue: boolean;
  dueAt: string | null;
  rectifyDueAt: string;
}

/** The cases of a project, as the given caller sees them. */
export async function casesOf(env: RectEnv, projectNo: string, token: string): Promise<CaseRow[]> {
  const res = await env.server.gql<{ rectificationCases: { items: CaseRow[] } }>(operation('rectification-queue'), { filter: { projectNo } }, { token });
  if (!res.data) throw new Error(`rectificationCases failed: ${JSON.stringify(res.errors)}`);
  return res.data.rectificationCases.items;
}

export type StepName =
  | 'dispatch-rectification'
  | 'verify-rectification'
  | 'classify-rectification'
  | 'rectify-rectification'
  | 'feed-back-rectification'
  | 'record-callback'
  | 'appeal-rectification'
  | 'decide-appeal'
  | 'extend-rectification-deadline'
  | 'close-rectification';

export type StepResult = GqlResult<
  Record<string, { id: number; state: string; dueAt: string | null; rectifyDueAt: string; overdue: boolean; allowedActions: string[] }>
>;

/** Runs one workflow mutation from schema/operations as `token`. */
export function stepCase(env: RectEnv, name: StepName, id: number, input: Record<string, unknown> | null, token: string): Promise<StepResult> {
  return env.server.gql(operation(name), { id, input }, { token });
}

/** The data of a step mutation, or a thrown error with the GraphQL errors. */
export function ok(res: StepResult): { id: number; state: string; dueAt: string | null; rectifyDueAt: string; overdue: boolean; allowedActions: string[] } {
  if (!res.data) throw new Error(JSON.stringify(res.errors));
  return Object.values(res.data)[0]!;
}

export interface CaseDetail {
  id: number;
  state: string;
  ratingId: number;
  departmentId: number;
  finding: string | null;
  rectClass: string | null;
  content: string | null;
  reply: string | null;
  callbackReached: boolean | null;
  callbackSatisfaction: number | null;
  rerateLevel: number | null;
  dueAt: string | null;
  stageDueAt: string | null;
  rectifyDueAt: string;
  extensions: number;
  paused: boolean;
  overdue: boolean;
  everOverdue: boolean;
  onTime: boolean | null;
  escalationLevel: number;
  invalidReason: string | null;
  problemId: number | null;
  allowedActions: string[];
  appeal: { reason: string; decision: string | null } | null;
  rating: { id: number; level: number; valid: boolean; raterName: string | null; raterMobile: string | null } | null;
  history: Array<{
    seq: number;
    action: string;
    fromState: string | null;
    toState: string;
    actor: string;
    actorRole: string;
    note: string | null;
    attachments: string[];
  }>;
}

export async function caseDetail(env: RectEnv, id: number, token: string): Promise<CaseDetail> {
  const res = await env.server.gql<{ rectificationCase: CaseDetail }>(operation('rectification-case'), { id }, { token });
  if (!res.data) throw new Error(`rectificationCase failed: ${JSON.stringify(res.errors)}`);
  return res.data.rectificationCase;
}

/** Takes a market case from OPENED to FED_BACK (founded, general) as the market officer. */
export async function toFedBack(env: RectEnv, id: number): Promise<void> {
  const t = env.tokens.market;
  ok(await stepCase(env, 'dispatch-rectification', id, { handler: '张科长' }, t));
  ok(await stepCase(env, 'verify-rectification', id, { finding: 'FOUNDED', reasonable: true }, t));
  ok(await stepCase(env, 'classify-rectification', id, { rectClass: 'GENERAL' }, t));
  ok(await stepCase(env, 'rectify-rectification', id, { content: '已对窗口人员开展服务礼仪培训' }, t));
  ok(await stepCase(env, 'feed-back-rectification', id, { reply: '感谢您的监督，我们已对相关人员进行培训。' }, t));
}

export const HOUR = 3_600_000;

/** The id of the one case a bad review opened for the market department. */
export async function caseIdOf(env: RectEnv, review: { projectNo: string }, token = env.tokens.market): Promise<number> {
  const cases = await casesOf(env, review.projectNo, token);
  if (cases.length !== 1) throw new Error(`expected one case for ${review.projectNo}, found ${cases.length}`);
  return cases[0]!.id;
}

/** The incremental assessment counters equal a recount from the cases. */
export async function expectRectRollupExact(env: Pick<RectEnv, 'server'>): Promise<void> {
  const em = env.server.app.orm.em.fork() as Em;
  expect(Object.fromEntries(await storedRectRollup(em))).toEqual(Object.fromEntries(await recountRectRollup(em)));
}
