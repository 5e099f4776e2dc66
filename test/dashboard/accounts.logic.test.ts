import { describe, expect, it } from 'vitest';
import { ACCOUNT_ROLES, scopeOf } from '../../dashboard/src/workspace/account.ops.js';
import { PAGES, QUEUES, startPage } from '../../dashboard/src/workspace/workspace.logic.js';

const menu = (role: string) => [...QUEUES, ...PAGES].filter((p) => p.roles.includes(role)).map((p) => p.name);

describe('workspace menu by role (访问控制)', () => {
  it('gives the security administrator only accounts and keys, the auditor only the audit log', () => {
    expect(menu('security')).toEqual(['workspace-users', 'workspace-keys']);
    expect(menu('auditor')).toEqual(['workspace-audit']);
    for (const role of ['department', 'supervisor', 'hotline', 'admin']) {
      expect(menu(role)).not.toContain('workspace-users');
      expect(menu(role)).not.toContain('workspace-audit');
    }
    expect(menu('hotline')).not.toContain('workspace-figures');
    // R5: 12345 operators enter phone ratings; nobody else has that page.
    expect(menu('hotline')).toContain('workspace-hotline');
    for (const role of ['department', 'supervisor', 'admin', 'security', 'auditor']) expect(menu(role)).not.toContain('workspace-hotline');
  });

  it('starts each role at a page it may use', () => {
    for (const role of ACCOUNT_ROLES) expect(menu(role)).toContain(startPage(role));
  });

  it('asks a department for officers and a region for supervisors and hotline operators', () => {
    expect(ACCOUNT_ROLES.map(scopeOf)).toEqual(['department', 'region', 'region', 'none', 'none', 'none']);
  });
});
