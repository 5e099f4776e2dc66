import { onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import type { Credentials } from '../api/credentials.js';
import { request } from '../api/http.js';
import type { LiveState } from './snapshot.js';

export interface PolledQuery<T> {
  data: ShallowRef<T | null>;
  state: Ref<LiveState>;
  lastUpdated: Ref<Date | null>;
  error: Ref<string | null>;
  /** False once the server answered that it has no such field (an optional feature is absent). */
  available: Ref<boolean>;
}

export interface PollOptions {
  /** Refresh at most this often when `changed` moves (default 15 s). */
  minIntervalMs?: number;
  /** Refresh at least this often regardless (0 = never; figures that change with time, like overdue cases). */
  everyMs?: number;
}

/**
 * Figures without a live topic (they change slowly or with the clock): read once, then again when a
 * live topic of the same scope changes (`changed`, e.g. the overview's seq), throttled, and on a timer.
 */
export function usePolledQuery<T>(
  query: string,
  variables: () => Record<string, unknown> | null,
  pick: (data: Record<string, unknown>) => T | null | undefined,
  changed: () => unknown,
  credentials: Credentials = {},
  options: PollOptions = {},
): PolledQuery<T> {
  const minInterval = options.minIntervalMs ?? 15_000;
  const data = shallowRef(null) as ShallowRef<T | null>;
  const state = ref<LiveState>('idle');
  const lastUpdated = ref<Date | null>(null);
  const error = ref<string | null>(null);
  const available = ref(true);
  let lastLoad = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wanted = 0;

  async function load() {
    const vars = variables();
    if (!vars || !available.value) return;
    const mine = ++wanted;
    lastLoad = Date.now();
    if (!data.value) state.value = 'loading';
    try {
      const res = await request<Record<string, unknown>>(query, vars, credentials);
      if (mine !== wanted) return;
      const value = res.data ? pick(res.data) : null;
      if (value) {
        data.value = value;
        lastUpdated.value = new Date();
        state.value = 'live';
        error.value = null;
      } else {
        error.value = res.errors?.[0]?.message ?? 'no data';
        if (res.errors?.[0]?.extensions?.code === 'GRAPHQL_VALIDATION_FAILED') available.value = false;
        state.value = 'error';
      }
    } catch (err) {
      if (mine !== wanted) return;
      error.value = err instanceof Error ? err.message : String(err);
      state.value = 'error';
    }
  }

  const schedule = (delay = Math.max(0, lastLoad + minInterval - Date.now())) => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void load();
    }, delay);
  };

  const stopVars = watch(
    () => JSON.stringify(variables()),
    () => {
      data.value = null;
      clearTimeout(timer);
      timer = undefined;
      void load();
    },
    { immediate: true },
  );
  const stopChanged = watch(changed, (now, before) => {
    if (now != null && before != null && now !== before) schedule();
  });
  const ticker = options.everyMs ? setInterval(() => schedule(0), options.everyMs) : undefined;
  onScopeDispose(() => {
    stopVars();
    stopChanged();
    clearTimeout(timer);
    clearInterval(ticker);
    wanted += 1;
  });
  return { data, state, lastUpdated, error, available };
}
