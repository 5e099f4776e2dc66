import { ref } from 'vue';
import { errorCode, request, type GraphQLResult } from '../api/http.js';
import { useI18n } from '../i18n/index.js';
import { accountOps } from './account.ops.js';
import { WorkspaceError } from './errors.js';
import { wsOps } from './workspace.ops.js';

export { errorText, WorkspaceError } from './errors.js';

export interface Session {
  token: string;
  role: string;
  displayName: string;
  expiresAt: string;
  /** Signed in with a one-time code: the account has a second factor. */
  totp?: boolean;
}

/** What the server answers to a sign-in: a full session, or one limited to changing the password or enrolling TOTP. */
export interface SignIn extends Session {
  mustChangePassword: boolean;
  mustEnrollTotp: boolean;
}

const KEY = 'hcp.workspace.session';
const { t } = useI18n();

function load(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    const s = raw ? (JSON.parse(raw) as Session) : null;
    return s && Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

/** The signed-in officer, supervisor or hotline operator; kept for this browser tab only. */
export const session = ref<Session | null>(load());

function save(value: Session | null): void {
  session.value = value;
  try {
    if (value) sessionStorage.setItem(KEY, JSON.stringify(value));
    else sessionStorage.removeItem(KEY);
  } catch {
    // Without storage the session lasts until the page reloads.
  }
}

/**
 * Signs in. A full session is kept; a limited one (the password must change, or TOTP must be enrolled) is
 * returned to the sign-in page, which holds its token only for that step. Coded errors (TOTP_REQUIRED,
 * ACCOUNT_LOCKED, …) reject with their code.
 */
export async function login(username: string, password: string, totp?: string): Promise<SignIn> {
  const res = await request<{ login: SignIn }>(accountOps.login, { u: username, p: password, totp: totp || null });
  if (!res.data) throw new WorkspaceError(res.errors?.[0]?.message ?? t('ws.login.failed'), errorCode(res), res.errors?.[0]?.extensions?.reason as string);
  const s = res.data.login;
  if (!s.mustChangePassword && !s.mustEnrollTotp) {
    save({ token: s.token, role: s.role, displayName: s.displayName, expiresAt: s.expiresAt, totp: Boolean(totp) });
  }
  return s;
}

/** Marks the signed-in person as having a second factor (after enableTotp). */
export function markTotpEnabled(): void {
  if (session.value) save({ ...session.value, totp: true });
}

/** A query or mutation with a given token (a limited session's, during sign-in). */
export async function callWith<T>(token: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res: GraphQLResult<T> = await request<T>(query, variables, { token });
  if (res.errors?.length || !res.data) {
    throw new WorkspaceError(res.errors?.[0]?.message ?? t('ws.requestFailed'), errorCode(res), res.errors?.[0]?.extensions?.reason as string);
  }
  return res.data;
}

/** Signs out here and ends the session on the server (its WebSocket connections close too). */
export function logout(): void {
  const token = session.value?.token;
  save(null);
  // The local sign-out happens whatever the server answers; a lost request leaves a session that ends when idle.
  if (token) void request(wsOps.logout, {}, { token }).catch(() => undefined);
}

/** A query or mutation as the signed-in user; an expired session signs out. */
export async function call<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res: GraphQLResult<T> = await request<T>(query, variables, { token: session.value?.token });
  if (res.errors?.length || !res.data) {
    const code = errorCode(res);
    if (code === 'UNAUTHENTICATED' || code === 'TOKEN_EXPIRED') save(null);
    throw new WorkspaceError(res.errors?.[0]?.message ?? t('ws.requestFailed'), code, res.errors?.[0]?.extensions?.reason as string);
  }
  return res.data;
}
