// Sign-in, own account, and the security administrator's and the auditor's operations.
const USER = 'id username displayName role departmentId regionCode disabled mustChangePassword totpEnabled createdAt passwordChangedAt';
const KEY = 'id name role departmentId windowId terminalId createdAt revoked revokedAt expiresAt';

export const accountOps = {
  login:
    'mutation ($u: String!, $p: String!, $totp: String) { login(username: $u, password: $p, totp: $totp) { token expiresAt role displayName mustChangePassword mustEnrollTotp } }',
  changePassword: 'mutation ($current: String!, $next: String!) { changePassword(currentPassword: $current, newPassword: $next) }',
  setupTotp: 'mutation { setupTotp { secret uri } }',
  enableTotp: 'mutation ($code: String!) { enableTotp(code: $code) }',
  users: `query { users { ${USER} } }`,
  departments: 'query ($region: String!) { departments(regionCode: $region, limit: 500) { id name } }',
  createUser: `mutation ($input: CreateUserInput!) { createUser(input: $input) { ${USER} } }`,
  updateUser: `mutation ($id: Int!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { ${USER} } }`,
  setUserDisabled: `mutation ($id: Int!, $disabled: Boolean!) { setUserDisabled(id: $id, disabled: $disabled) { ${USER} } }`,
  resetUserPassword: `mutation ($id: Int!, $password: String!, $resetTotp: Boolean!) { resetUserPassword(id: $id, password: $password, resetTotp: $resetTotp) { ${USER} } }`,
  apiKeys: `query ($departmentId: Int) { apiKeys(departmentId: $departmentId) { ${KEY} } }`,
  createApiKey:
    'mutation ($role: String!, $name: String!, $departmentId: Int, $windowId: Int, $terminalId: Int) { createApiKey(role: $role, name: $name, departmentId: $departmentId, windowId: $windowId, terminalId: $terminalId) }',
  revokeApiKey: `mutation ($id: Int!) { revokeApiKey(id: $id) { ${KEY} } }`,
  rotateApiKey: `mutation ($id: Int!, $grace: Int!) { rotateApiKey(id: $id, graceMinutes: $grace) { secret key { ${KEY} } } }`,
  auditLog:
    'query ($action: String, $beforeId: Int, $first: Int) { auditLog(action: $action, beforeId: $beforeId, first: $first) { id at actor role ip action subject outcome detail requestId hash } }',
};

export interface UserRow {
  id: number;
  username: string;
  displayName: string;
  role: string;
  departmentId: number | null;
  regionCode: string | null;
  disabled: boolean;
  mustChangePassword: boolean;
  totpEnabled: boolean;
  createdAt: string;
  passwordChangedAt: string | null;
}

export interface KeyRow {
  id: number;
  name: string;
  role: string;
  departmentId: number | null;
  windowId: number | null;
  terminalId: number | null;
  createdAt: string;
  revoked: boolean;
  revokedAt: string | null;
  expiresAt: string | null;
}

export interface AuditRow {
  id: number;
  at: string;
  actor: string;
  role: string;
  ip: string | null;
  action: string;
  subject: string;
  outcome: string;
  detail: string | null;
  requestId: string | null;
  hash: string;
}

/** The roles an account may have, in the order the form offers them. */
export const ACCOUNT_ROLES = ['department', 'supervisor', 'hotline', 'admin', 'security', 'auditor'] as const;

/** Which scope an account of this role needs: a department, a region, or none. */
export function scopeOf(role: string): 'department' | 'region' | 'none' {
  if (role === 'department') return 'department';
  if (role === 'supervisor' || role === 'hotline') return 'region';
  return 'none';
}
