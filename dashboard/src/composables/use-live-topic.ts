import { getCurrentScope, onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import type { Credentials } from '../api/credentials.js';
import { backoffDelay } from '../api/backoff.js';
import { liveClient } from '../api/live-client.js';
import { shouldApplySnapshot, type LiveState, type SnapshotMark } from './snapshot.js';

/** What every live composable exposes; components only render it. */
export interface LiveTopic<T> {
  data: ShallowRef<T | null>;
  state: Ref<LiveState>;
  lastUpdated: Ref<Date | null>;
  error: Ref<string | null>;
}

export interface Snapshot {
  seq: number;
  asOf?: string;
}

/**
 * Subscribes to one live topic over the page's shared graphql-ws client. Each message is a whole
 * snapshot with a sequence number: it replaces the held one (never merged, never applied twice). The
 * subscription follows its variables (null = none), survives reconnects (the client re-subscribes and
 * the server sends its current snapshot at once), restarts with backoff if it ends, and stops with the
 * component's scope.
 */
export function useLiveTopic<T extends Snapshot>(
  query: string,
  field: string,
  variables: () => Record<string, unknown> | null,
  credentials: Credentials = {},
): LiveTopic<T> {
  const live = liveClient(credentials);
  const data = shallowRef(null) as ShallowRef<T | null>;
  const state = ref<LiveState>('idle');
  const lastUpdated = ref<Date | null>(null);
  const error = ref<string | null>(null);
  let held: SnapshotMark | null = null;
  let dispose: (() => void) | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let attempt = 0;
  let current: Record<string, unknown> | null = null;
  // Callbacks of a subscription that was stopped (graphql-ws completes it asynchronously) are ignored.
  let run = 0;

  const stop = () => {
    run += 1;
    clearTimeout(retryTimer);
    dispose?.();
    dispose = null;
  };

  const retryLater = () => {
    stop();
    retryTimer = setTimeout(() => start(current), backoffDelay(attempt++, { baseMs: 1_000 }));
  };

  function start(vars: Record<string, unknown> | null) {
    stop();
    if (!vars) {
      state.value = 'idle';
      return;
    }
    if (state.value !== 'live' && state.value !== 'error') state.value = 'loading';
    const mine = run;
    dispose = live.client.subscribe<Record<string, T>>(
      { query, variables: vars },
      {
        next: (message) => {
          if (mine !== run) return;
          if (message.errors?.length) {
            error.value = message.errors[0]!.message;
            state.value = 'error';
            return;
          }
          const snapshot = message.data?.[field];
          if (!snapshot) return;
          const mark = { seq: Number(snapshot.seq), generation: live.generation.value };
          if (!shouldApplySnapshot(held, mark)) return;
          held = mark;
          data.value = snapshot;
          lastUpdated.value = snapshot.asOf ? new Date(snapshot.asOf) : new Date();
          error.value = null;
          state.value = 'live';
          attempt = 0;
        },
        error: (err) => {
          if (mine !== run) return;
          error.value = describe(err);
          state.value = 'error';
          retryLater();
        },
        complete: () => {
          if (mine === run) retryLater();
        },
      },
    );
  }

  const stopVars = watch(
    () => JSON.stringify(variables()),
    (json) => {
      current = json === 'null' ? null : (JSON.parse(json) as Record<string, unknown>);
      held = null;
      data.value = null;
      state.value = 'idle';
      start(current);
    },
    { immediate: true },
  );

  // A lost connection makes what is shown stale until the next snapshot arrives.
  const stopConn = watch(live.state, (s) => {
    if (s !== 'connected' && state.value === 'live') state.value = 'error';
  });

  if (getCurrentScope()) {
    onScopeDispose(() => {
      stopVars();
      stopConn();
      stop();
      current = null;
    });
  }
  return { data, state, lastUpdated, error };
}

function describe(err: unknown): string {
  if (Array.isArray(err)) return err.map((e: { message?: string }) => e.message ?? String(e)).join('; ');
  if (err instanceof Error) return err.message;
  const close = err as { code?: number; reason?: string };
  if (typeof close?.code === 'number') return `connection closed (${close.code}${close.reason ? ` ${close.reason}` : ''})`;
  return String(err);
}
