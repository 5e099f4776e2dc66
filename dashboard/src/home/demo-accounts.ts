/**
 * The demo accounts of README "Demo credentials" (seeds/seeder.ts, DEMO_CREDENTIALS; a test keeps the
 * two equal). The home page shows them only while the server says the demo data is loaded.
 */
export const DEMO_ACCOUNTS = [
  { username: 'officer', password: 'demo-officer', roleKey: 'home.accounts.officer' },
  { username: 'supervisor', password: 'demo-supervisor', roleKey: 'home.accounts.supervisor' },
  { username: 'hotline', password: 'demo-hotline', roleKey: 'home.accounts.hotline' },
  { username: 'admin', password: 'demo-admin', roleKey: 'home.accounts.admin' },
] as const;

/** The demo window evaluator's device key (window 1). */
export const DEMO_WINDOW_KEY = 'hcp_demo_window_key';
