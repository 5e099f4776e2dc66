import { ref } from 'vue';
import { errorCode, request, type GraphQLResult } from '../api/http.js';
import { useI18n } from '../i18n/index.js';
import { wsOps } from './workspace.ops.js';

export interface Session {
  token: string;
  role: string;
  displayName: string;
  expiresAt: string;
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

export class WorkspaceError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'WorkspaceError';
  }
}

export async function login(username: string, password: string): Promise<void> {
  const res = await request<{ login: Session }>(wsOps.login, { u: username, p: password });
  if (!res.data) throw new WorkspaceError(res.errors?.[0]?.message ?? t('ws.login.failed'), errorCode(res));
  save(res.data.login);
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
    throw new WorkspaceError(res.errors?.[0]?.message ?? t('ws.requestFailed'), code);
  }
  return res.data;
}
