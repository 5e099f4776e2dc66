import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCreditCode } from '../../../server/src/catalog/credit-code.logic.js';
import { makeFixture, sessionToken, type Fixture } from '../../support/fixture.js';
import { operation } from '../../support/operations.js';
import { codeOf, startTestServer, type TestServer } from '../../support/server.js';
import { submit } from '../../support/services.js';

interface Finding {
  id: number;
  kind: string;
  departmentId: number | null;
  recordKey: string;
  field: string;
  givenValue: string | null;
  expected: string | null;
  refused: string | null;
  source: string;
}
type Findings = {
  qualityFindings: { nodes: Finding[]; endCursor: string | null; hasNextPage: boolean };
  qualityFindingCounts: Array<{ departmentId: number | null; departmentName: string | null; kind: string; count: number }>;
};

let seq = 0;

describe('数据质检: quality findings of department systems’ records (R25)', () => {
  let server: TestServer;
  let fx: Fixture;
  let admin: string;

  const register = (over: Record<string, unknown>, key?: string) =>
    server.gql<{ registerService: { id: number; itemName: string; departmentName: string } }>(
      operation('register-service'),
      {
        input: {
          projectNo: `QA${++seq}`,
          serviceNumber: 1,
          serviceName: '受理',
          taskCode: fx.items.business.taskCode,
          deptCode: fx.departments.market.creditCode,
          proStatus: 3,
          resultDate: server.clock.now().toISOString(),
          userName: '张小三',
          proChannel: 2,
          ...over,
        },
      },
      { apiKey: key ?? fx.keys.market },
    );

  const findings = async (filter: Record<string, unknown> = {}, token = admin) => {
    const res = await server.gql<Findings>(operation('quality-findings'), { filter, first: 500 }, { token });
    if (!res.data) throw new Error(JSON.stringify(res.errors));
    return res.data;
  };
  const ofRecord = async (projectNo: string) => (await findings()).qualityFindings.nodes.filter((f) => f.recordKey.startsWith(`${projectNo}#`));

  beforeAll(async () => {
    server = await startTestServer();
    fx = await makeFixture(server);
    admin = await sessionToken(server, 'admin', 'admin-pass');
  });
  afterAll(() => server.close());

  it('accepts a record whose names disagree with the catalog, keeps the catalog’s values and records each mismatch (R25)', async () => {
    const res = await register({ projectNo: 'QA-NAMES', taskHandleItem: 'WRONG01', taskName: '个体户登记', deptName: '东城区市监局' });
    expect(res.errors).toBeUndefined();
    expect(res.data!.registerService).toMatchObject({ itemName: '个体工商户设立登记', departmentName: '东城区市场监督管理局' });
    const found = await ofRecord('QA-NAMES');
    expect(found.map((f) => f.kind).sort()).toEqual(['DEPT_NAME_MISMATCH', 'HANDLE_ITEM_MISMATCH', 'ITEM_NAME_MISMATCH']);
    const handle = found.find((f) => f.kind === 'HANDLE_ITEM_MISMATCH')!;
    expect(handle).toMatchObject({
      field: 'taskHandleItem',
      givenValue: 'WRONG01',
      expected: fx.items.business.handleItemCode,
      refused: null,
      source: 'service',
    });
    expect(handle.departmentId).toBe(fx.departments.market.id);
  });

  it('a resend of the same record adds no findings (R25)', async () => {
    await register({ projectNo: 'QA-NAMES', taskHandleItem: 'WRONG01', taskName: '个体户登记', deptName: '东城区市监局' });
    expect(await ofRecord('QA-NAMES')).toHaveLength(3);
  });

  it('matching names and codes give no finding (R25)', async () => {
    const res = await register({
      projectNo: 'QA-CLEAN',
      taskHandleItem: fx.items.business.handleItemCode,
      taskName: '个体工商户设立登记',
      deptName: '东城区市场监督管理局',
    });
    expect(res.errors).toBeUndefined();
    expect(await ofRecord('QA-CLEAN')).toEqual([]);
  });

  it('records an item of another department, an unknown region and a completion before acceptance (R25)', async () => {
    const accept = new Date(server.clock.now().getTime() - 3_600_000);
    const res = await register({
      projectNo: 'QA-MIXED',
      taskCode: fx.items.idCard.taskCode,
      areaCode: '419901009000',
      acceptDate: accept.toISOString(),
      resultDate: new Date(accept.getTime() - 60_000).toISOString(),
    });
    expect(res.errors).toBeUndefined();
    const kinds = (await ofRecord('QA-MIXED')).map((f) => f.kind).sort();
    expect(kinds).toEqual(['COMPLETED_BEFORE_ACCEPTANCE', 'ITEM_DEPT_MISMATCH', 'REGION_UNKNOWN']);
  });

  it('keeps every refusal as a finding: unknown item code, unknown department, bad check character, malformed region, missing field (R25)', async () => {
    const cases: Array<[string, Record<string, unknown>, string, string]> = [
      ['QA-ITEM', { taskCode: '11419901M9999' }, 'NOT_FOUND', 'ITEM_CODE_UNKNOWN'],
      ['QA-DEPT', { deptCode: makeCreditCode('419901', 77) }, 'NOT_FOUND', 'DEPT_CODE_UNKNOWN'],
      [
        'QA-CHECK',
        { deptCode: fx.departments.market.creditCode.slice(0, 17) + (fx.departments.market.creditCode.endsWith('0') ? '1' : '0') },
        'BAD_USER_INPUT',
        'CREDIT_CODE_INVALID',
      ],
      ['QA-AREA', { areaCode: '4199' }, 'BAD_USER_INPUT', 'REGION_UNKNOWN'],
      ['QA-MISSING', { serviceName: '  ' }, 'BAD_USER_INPUT', 'MISSING_FIELD'],
    ];
    for (const [projectNo, over, code, kind] of cases) {
      const res = await register({ projectNo, ...over });
      expect(codeOf(res), projectNo).toBe(code);
      const found = await ofRecord(projectNo);
      expect(found, projectNo).toHaveLength(1);
      expect(found[0], projectNo).toMatchObject({ kind, refused: code, source: 'service' });
      // The refusal names the sender's department even when the record's department is unknown.
      expect(found[0]!.departmentId, projectNo).toBe(fx.departments.market.id);
    }
    expect((await ofRecord('QA-ITEM'))[0]).toMatchObject({ field: 'taskCode', givenValue: '11419901M9999' });
  });

  it('records ratings of services not completed yet, and refused ratings (R25)', async () => {
    expect((await register({ projectNo: 'QA-EARLY', proStatus: 2, resultDate: null })).errors).toBeUndefined();
    const rated = await submit(server, { projectNo: 'QA-EARLY', serviceNumber: 1, level: 5, submissionId: 'qa-early-1' }, { apiKey: fx.keys.market });
    expect(rated.errors).toBeUndefined();
    expect((await ofRecord('QA-EARLY')).map((f) => [f.kind, f.source, f.refused])).toEqual([['RATED_BEFORE_COMPLETION', 'rating', null]]);

    expect((await register({ projectNo: 'QA-AWAIT', proStatus: 1, resultDate: null })).errors).toBeUndefined();
    const refused = await submit(server, { projectNo: 'QA-AWAIT', serviceNumber: 1, level: 5 }, { apiKey: fx.keys.market });
    expect(codeOf(refused)).toBe('RATING_WINDOW_CLOSED');
    expect((await ofRecord('QA-AWAIT')).map((f) => [f.kind, f.refused])).toEqual([['RATED_BEFORE_COMPLETION', 'RATING_WINDOW_CLOSED']]);

    const unknown = await submit(server, { projectNo: 'QA-NOSUCH', serviceNumber: 1, level: 5 }, { apiKey: fx.keys.market });
    expect(codeOf(unknown)).toBe('NOT_FOUND');
    expect((await ofRecord('QA-NOSUCH')).map((f) => [f.kind, f.refused, f.departmentId])).toEqual([['RECORD_REFUSED', 'NOT_FOUND', fx.departments.market.id]]);

    const missing = await submit(server, { level: 5 }, { apiKey: fx.keys.market });
    expect(codeOf(missing)).toBe('BAD_USER_INPUT');
    expect((await findings({ kind: 'MISSING_FIELD' })).qualityFindings.nodes.some((f) => f.source === 'rating')).toBe(true);
  });

  it('is scoped like other reads: officers their department, supervisors their region, admins all (R25)', async () => {
    await register(
      { projectNo: 'QA-POLICE', deptCode: fx.departments.police.creditCode, taskCode: fx.items.idCard.taskCode, taskName: '身份证' },
      fx.keys.police,
    );
    const police = await findings({}, await sessionToken(server, 'police', 'police-pass'));
    expect(police.qualityFindings.nodes.length).toBeGreaterThan(0);
    expect(police.qualityFindings.nodes.every((f) => f.departmentId === fx.departments.police.id)).toBe(true);
    expect(police.qualityFindingCounts).toEqual([
      { departmentId: fx.departments.police.id, departmentName: '河清市公安局', kind: 'ITEM_NAME_MISMATCH', count: 1 },
    ]);

    const market = await sessionToken(server, 'market', 'market-pass');
    const forbidden = await server.gql(operation('quality-findings'), { filter: { departmentId: fx.departments.police.id } }, { token: market });
    expect(codeOf(forbidden)).toBe('FORBIDDEN');

    const all = await findings();
    const supervisor = await findings({}, await sessionToken(server, 'super', 'super-pass'));
    expect(supervisor.qualityFindings.nodes.length).toBe(all.qualityFindings.nodes.length);
    const counts = new Map(all.qualityFindingCounts.filter((c) => c.departmentId === fx.departments.market.id).map((c) => [c.kind, c.count]));
    expect(counts.get('HANDLE_ITEM_MISMATCH')).toBe(1);
    expect(counts.get('CREDIT_CODE_INVALID')).toBe(1);
  });

  it('pages newest first with a cursor, and filters by kind and period (R25)', async () => {
    const first = await server.gql<Findings>(operation('quality-findings'), { first: 2 }, { token: admin });
    expect(first.data!.qualityFindings.hasNextPage).toBe(true);
    const next = await server.gql<Findings>(operation('quality-findings'), { first: 2, after: first.data!.qualityFindings.endCursor }, { token: admin });
    const ids = [...first.data!.qualityFindings.nodes, ...next.data!.qualityFindings.nodes].map((f) => f.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(4);
    const future = await findings({ from: new Date(server.clock.now().getTime() + 1000).toISOString() });
    expect(future.qualityFindings.nodes).toEqual([]);
    const byKind = await findings({ kind: 'REGION_UNKNOWN' });
    expect(byKind.qualityFindings.nodes.map((f) => f.kind)).toEqual(['REGION_UNKNOWN', 'REGION_UNKNOWN']);
  });

  it('exports the findings in scope as CSV with a byte-order mark (R25)', async () => {
    const res = await server.gql<{ qualityFindingsCsv: string }>(
      operation('quality-findings-csv'),
      { filter: { kind: 'HANDLE_ITEM_MISMATCH' } },
      { token: admin },
    );
    const csv = res.data!.qualityFindingsCsv;
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const lines = csv.slice(1).trim().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('HANDLE_ITEM_MISMATCH');
    expect(lines[1]).toContain('QA-NAMES#1');
  });
});
