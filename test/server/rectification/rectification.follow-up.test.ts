import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countRows, rollupTotal } from '../../support/rollups.js';
import { followUp, newService, submit } from '../../support/services.js';
import { rectEnv, type RectEnv } from './rect-support.js';

let env: RectEnv;

// Follow-up ratings (追评) are off by default; a region that allows them for three days.
beforeAll(async () => {
  env = await rectEnv({ followUpDays: 3 });
});
afterAll(() => env.close());

const rate = (service: { projectNo: string; serviceNumber: number }, level: number, extra: Record<string, unknown> = {}) =>
  submit(env.server, { ...service, level, ...extra }, { apiKey: env.fx.keys.market });
// A follow-up is its own step (submitFollowUp), never a second submitEvaluation.
const follow = (service: { projectNo: string; serviceNumber: number }, level: number, extra: Record<string, unknown> = {}) =>
  followUp(env.server, { ...service, level, ...extra }, { apiKey: env.fx.keys.market });
const casesOfService = (projectNo: string) => countRows(env.server.app, 'rect_case c join service s on s.id = c.service_id', 's.project_no = ?', [projectNo]);

describe('a bad follow-up rating (追评, R9, R13)', () => {
  it('opens a rectification case for a service first rated good, and still counts once in the figures', async () => {
    const service = await newService(env.server, env.fx);
    expect((await rate(service, 5)).errors).toBeUndefined();
    const total = await rollupTotal(env.server.app, 'T');
    const later = await follow(service, 1, { tags: ['108'], comment: '办完后才发现材料被退回' });
    expect(later.data!.submitFollowUp).toMatchObject({ assessNumber: 2, level: 1 });
    expect(await casesOfService(service.projectNo)).toBe(1);
    expect(await countRows(env.server.app, 'rect_case', 'rating_id = ?', [later.data!.submitFollowUp.id])).toBe(1);
    expect(await rollupTotal(env.server.app, 'T')).toBe(total);
  });

  it('opens no second case while the first bad review of the service is still being handled', async () => {
    const service = await newService(env.server, env.fx);
    expect((await rate(service, 2, { tags: ['213'] })).errors).toBeUndefined();
    expect(await casesOfService(service.projectNo)).toBe(1);
    expect((await follow(service, 1, { tags: ['108'] })).data!.submitFollowUp.assessNumber).toBe(2);
    expect(await casesOfService(service.projectNo)).toBe(1);
  });

  it('opens no second case for a batch while the case of its first bad review is in hand (R10)', async () => {
    const first = await newService(env.server, env.fx, { caseKind: 'BATCH', batchNo: 'FU-BATCH' });
    const second = await newService(env.server, env.fx, { caseKind: 'BATCH', batchNo: 'FU-BATCH' });
    const cases = () =>
      countRows(env.server.app, 'rect_case c join service s on s.id = c.service_id', 's.project_no in (?, ?)', [first.projectNo, second.projectNo]);
    expect((await rate(first, 1, { tags: ['108'] })).errors).toBeUndefined();
    expect(await cases()).toBe(1);
    // The batch's other service was covered by that rating; its own bad follow-up joins the case in hand.
    expect((await follow(second, 1, { tags: ['108'] })).data!.submitFollowUp.assessNumber).toBe(2);
    expect(await cases()).toBe(1);
  });

  it('opens nothing for a good follow-up', async () => {
    const service = await newService(env.server, env.fx);
    expect((await rate(service, 4)).errors).toBeUndefined();
    expect((await follow(service, 5)).data!.submitFollowUp.assessNumber).toBe(2);
    expect(await casesOfService(service.projectNo)).toBe(0);
  });
});
