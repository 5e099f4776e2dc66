import { describe, expect, it } from 'vitest';
import { DEMO_ACCOUNTS, DEMO_WINDOW_KEY } from '../../dashboard/src/home/demo-accounts.js';
import { DEMO_CREDENTIALS } from '../../seeds/seeder.js';

describe('home page', () => {
  it('shows the demo accounts the seed creates (README "Demo credentials")', () => {
    const seeded = [DEMO_CREDENTIALS.officer, DEMO_CREDENTIALS.supervisor, DEMO_CREDENTIALS.hotline, DEMO_CREDENTIALS.admin];
    expect(DEMO_ACCOUNTS.map(({ username, password }) => ({ username, password }))).toEqual(seeded);
    expect(DEMO_WINDOW_KEY).toBe(DEMO_CREDENTIALS.windowKey);
  });
});
