import { onScopeDispose, ref, shallowRef } from 'vue';
import { backoffDelay } from '../api/backoff.js';
import { credentialKey, type Credentials } from '../api/credentials.js';
import { graphqlAnswer, NetworkError, request, type GraphQLResult } from '../api/http.js';
import { ops } from '../api/operations.js';
import type { Region } from '../api/types.js';

export interface ScreenContext {
  demo: boolean;
  siteName: string | null;
  role: string;
  regionCode: string | null;
  departmentId: number | null;
  topRegions: Region[];
}

export type ScreenContextAnswer = {
  systemInfo: { demo: boolean; siteName: string | null };
  me: { role: string; regionCode: string | null; departmentId: number | null };
  regions: Region[];
};

const prefetched = new Map<string, Promise<GraphQLResult<ScreenContextAnswer>>>();

declare global {
  interface Window {
    /** The screen context request started by the HTML's boot script on /screen (vite.config.ts, screenBoot), with the `?token=` it sent. */
    __hcpScreenContext?: { token: string; response: Promise<Response> };
  }
}

/** The boot script's screen context request, once, when it was sent with these credentials. */
function bootRequest(credentials: Credentials): Promise<GraphQLResult<ScreenContextAnswer>> | null {
  const boot = window.__hcpScreenContext;
  if (!boot) return null;
  delete window.__hcpScreenContext;
  if (boot.token !== (credentials.token ?? '') || credentials.apiKey) return null;
  return boot.response.then(
    (res) => graphqlAnswer<ScreenContextAnswer>(res),
    (err: unknown) => {
      throw new NetworkError(err instanceof Error ? err.message : String(err));
    },
  );
}

/**
 * Starts the screen context request before the page's code has arrived (screen/prestart.ts, run by the
 * entry on /screen and /widget): the first `useScreenContext` of the same credentials takes its answer.
 */
export function prefetchScreenContext(credentials: Credentials): Promise<GraphQLResult<ScreenContextAnswer>> {
  const key = credentialKey(credentials);
  let answer = prefetched.get(key);
  if (!answer) {
    answer = bootRequest(credentials) ?? request<ScreenContextAnswer>(ops.screenContext, {}, credentials);
    answer.catch(() => undefined); // taken (and its failure handled) by useScreenContext
    prefetched.set(key, answer);
  }
  return answer;
}

/**
 * What a screen needs before its figures: the demo flag (演示数据 banner), the caller's locked scope
 * (screen and embed tokens) and the top regions. Retried with backoff until the server answers, so a
 * hall screen switched on before the server comes up still starts by itself.
 */
export function useScreenContext(credentials: Credentials) {
  const context = shallowRef<ScreenContext | null>(null);
  const error = ref<string | null>(null);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let stopped = false;
  const load = async () => {
    try {
      const early = prefetched.get(credentialKey(credentials));
      prefetched.delete(credentialKey(credentials)); // used once: a retry asks again
      const res = await (early ?? request<ScreenContextAnswer>(ops.screenContext, {}, credentials));
      if (stopped) return;
      if (res.data) {
        performance.mark('hcp:screen-context');
        context.value = {
          demo: res.data.systemInfo.demo,
          siteName: res.data.systemInfo.siteName,
          role: res.data.me.role,
          regionCode: res.data.me.regionCode,
          departmentId: res.data.me.departmentId,
          topRegions: res.data.regions,
        };
        error.value = null;
        return;
      }
      error.value = res.errors?.[0]?.message ?? 'unknown error';
    } catch (err) {
      if (stopped) return;
      error.value = err instanceof Error ? err.message : String(err);
    }
    timer = setTimeout(load, backoffDelay(attempt++, { baseMs: 1_000 }));
  };
  void load();
  onScopeDispose(() => {
    stopped = true;
    clearTimeout(timer);
  });
  return { context, error };
}

const regionCache = new Map<string, Promise<Region[]>>();

/** The regions under a parent (cached for the page's life: the catalog changes rarely). */
export function childRegions(parentCode: string | null, credentials: Credentials = {}): Promise<Region[]> {
  const key = parentCode ?? '';
  let hit = regionCache.get(key);
  if (!hit) {
    hit = request<{ regions: Region[] }>(ops.childRegions, { parentCode }, credentials)
      .then((r) => r.data?.regions ?? [])
      .catch(() => {
        regionCache.delete(key);
        return [];
      });
    regionCache.set(key, hit);
  }
  return hit;
}
