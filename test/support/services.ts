import type { Fixture } from './fixture.js';
import { operation } from './operations.js';
import type { GqlResult, TestServer } from './server.js';

let seq = 0;

export interface ServiceSpec {
  projectNo?: string;
  serviceNumber?: number;
  key?: string;
  deptCode?: string;
  taskCode?: string;
  proStatus?: number;
  resultDate?: string;
  caseKind?: string;
  batchNo?: string;
  units?: Array<{ deptCode: string; taskCode: string }>;
  windowId?: number;
  terminalId?: number;
  staffNo?: string;
  userName?: string;
  mobile?: string;
  certKey?: string;
}

/** Registers a completed counter service of the market department (or as specified). */
export async function registerService(
  server: TestServer,
  fx: Fixture,
  spec: ServiceSpec = {},
): Promise<GqlResult<{ registerService: { id: number; projectNo: string; serviceNumber: number } }>> {
  const projectNo = spec.projectNo ?? `BJ${Date.now().toString(36)}${(seq++).toString().padStart(4, '0')}`;
  return server.gql(
    operation('register-service'),
    {
      input: {
        projectNo,
        serviceNumber: spec.serviceNumber ?? 1,
        serviceName: '受理',
        taskCode: spec.taskCode ?? fx.items.business.taskCode,
        deptCode: spec.deptCode ?? fx.departments.market.creditCode,
        proStatus: spec.proStatus ?? 3,
        resultDate: spec.resultDate ?? server.clock.now().toISOString(),
        caseKind: spec.caseKind,
        batchNo: spec.batchNo,
        units: spec.units,
        userName: spec.userName ?? '张小三',
        mobile: spec.mobile ?? '13812341234',
        certKey: spec.certKey ?? '41010219900101123X',
        userProp: 1,
        proChannel: 2,
        windowId: spec.windowId,
        terminalId: spec.terminalId,
        staffNo: spec.staffNo,
      },
    },
    { apiKey: spec.key ?? fx.keys.market },
  );
}

export async function newService(server: TestServer, fx: Fixture, spec: ServiceSpec = {}): Promise<{ projectNo: string; serviceNumber: number }> {
  const res = await registerService(server, fx, spec);
  if (!res.data) throw new Error(`registerService failed: ${JSON.stringify(res.errors)}`);
  return { projectNo: res.data.registerService.projectNo, serviceNumber: res.data.registerService.serviceNumber };
}

export async function ratingToken(server: TestServer, fx: Fixture, service: { projectNo: string; serviceNumber: number }, key?: string): Promise<string> {
  const res = await server.gql<{ issueRatingToken: { token: string } }>(operation('issue-rating-token'), service, { apiKey: key ?? fx.keys.market });
  if (!res.data) throw new Error(`issueRatingToken failed: ${JSON.stringify(res.errors)}`);
  return res.data.issueRatingToken.token;
}

export type RatingResult = GqlResult<{
  submitEvaluation: {
    id: number;
    level: number;
    assessNumber: number;
    channel: string;
    pf: number;
    raterName: string | null;
    raterMobile: string | null;
    tags: Array<{ code: string }>;
    dimensions: Array<{ key: string; level: number }>;
    followUpToken: string | null;
    followUpUntil: string | null;
  };
}>;

export function submit(server: TestServer, input: Record<string, unknown>, auth: { apiKey?: string; token?: string } = {}): Promise<RatingResult> {
  return server.gql(operation('submit-evaluation'), { input }, auth);
}

/** One record's answer of a batch call (submitEvaluations, registerServices): its place in the batch, what happened, the refusal's code and message, the row. */
export interface BatchAnswer {
  index: number;
  status: string;
  code: string | null;
  message: string | null;
  id: number | null;
  projectNo: string | null;
  serviceNumber: number | null;
}

/** A department system's batch of ratings (submitEvaluations, R8): the answers in batch order; an error of the whole call throws. */
export async function submitBatch(server: TestServer, records: Record<string, unknown>[], apiKey: string): Promise<BatchAnswer[]> {
  const res = await server.gql<{ submitEvaluations: BatchAnswer[] }>(operation('submit-evaluations'), { inputs: records }, { apiKey });
  if (res.errors) throw new Error(`submitEvaluations refused the whole batch: ${JSON.stringify(res.errors)}`);
  return res.data!.submitEvaluations;
}

export type FollowUpResult = GqlResult<{
  submitFollowUp: { id: number; projectNo: string; serviceNumber: number; assessNumber: number; level: number; channel: string; comment: string | null };
}>;

/** A follow-up rating (追评, R9): with the follow-up token in the input, or a device or system key. */
export function followUp(server: TestServer, input: Record<string, unknown>, auth: { apiKey?: string; token?: string } = {}): Promise<FollowUpResult> {
  return server.gql(operation('submit-follow-up'), { input }, auth);
}
