import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idCardCheckChar } from '../../../server/src/common/pii-text.logic.js';
import type { Em } from '../../../server/src/db/orm.js';
import { makeFixture, type Fixture } from '../../support/fixture.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { newService, submit } from '../../support/services.js';

type WithComment = { id: number; comment: string | null };

const PHONE = '13987654321';
const ID17 = '41010219900307123';
const ID = ID17 + idCardCheckChar(ID17);
const EMAIL = 'zhang.san@example.com';
const COMMENT = `等了很久，请回电${PHONE}，身份证${ID}，邮箱${EMAIL}`;

let server: TestServer;
let fx: Fixture;

beforeAll(async () => {
  server = await startTestServer();
  fx = await makeFixture(server);
});
afterAll(() => server.close());

describe('personal data typed into a comment (R12)', () => {
  it('is masked before anyone sees the comment, and the original is sealed', async () => {
    const service = await newService(server, fx);
    const res = await submit(server, { ...service, level: 2, tags: ['214'], comment: COMMENT }, { apiKey: fx.keys.market });
    const shown = (res.data!.submitEvaluation as unknown as WithComment).comment!;
    expect(shown).toContain('139****4321');
    expect(shown).toContain(`${ID.slice(0, 6)}********${ID.slice(-4)}`);
    expect(shown).toContain('z***@example.com');
    for (const secret of [PHONE, ID, EMAIL]) expect(shown).not.toContain(secret);

    const em = server.app.orm.em.fork() as Em;
    const [row] = await em.execute<Array<{ comment: string; comment_sealed: string }>>('select comment, comment_sealed from rating where id = ?', [
      res.data!.submitEvaluation.id,
    ]);
    expect(row!.comment).toBe(shown);
    expect(row!.comment_sealed).not.toContain(PHONE);
    expect(server.app.cipher.decrypt(row!.comment_sealed)).toBe(COMMENT);
  });

  it('leaves a comment without personal data as it is, with nothing sealed', async () => {
    const service = await newService(server, fx);
    const res = await submit(server, { ...service, level: 2, tags: ['214'], comment: '窗口排队45分钟' }, { apiKey: fx.keys.market });
    expect((res.data!.submitEvaluation as unknown as WithComment).comment).toBe('窗口排队45分钟');
    const em = server.app.orm.em.fork() as Em;
    const [row] = await em.execute<Array<{ comment_sealed: string | null }>>('select comment_sealed from rating where id = ?', [res.data!.submitEvaluation.id]);
    expect(row!.comment_sealed).toBeNull();
  });
});
