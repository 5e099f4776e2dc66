import { getCurrentScope, onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import type { FormattedExecutionResult, Sink } from 'graphql-ws';
import { credentialKey, type Credentials } from '../api/credentials.js';
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

type TopicSink = Sink<FormattedExecutionResult<Record<string, unknown>, unknown>>;

/** A subscription started before its page (prefetchLiveTopic), holding what arrived until the page takes it. */
interface EarlyTopic {
  held: Array<(sink: TopicSink) => void>;
  sink: TopicSink | null;
  dispose: () => void;
}
const early = new Map<string, EarlyTopic>();
const EARLY_TAKEN_WITHIN_MS = 10_000;
const earlyKey = (credentials: Credentials, query: string, variablesJson: string) => `${credentialKey(credentials)}\n${query}\n${variablesJson}`;

/**
 * Subscribes to a topic before the page that shows it has loaded (screen/prestart.ts: the big screen's
 * overview as soon as its scope is known). The page's `useLiveTopic` of the same query, variables and
 * credentials takes the subscription over, with the snapshot that arrived meanwhile; one nobody takes
 * within 10 s (the page chose another scope) is ended.
 */
export function prefetchLiveTopic(query: string, variables: Record<string, unknown>, credentials: Credentials = {}): void {
  const key = earlyKey(credentials, query, JSON.stringify(variables));
  if (early.has(key)) return;
  const entry: EarlyTopic = { held: [], sink: null, dispose: () => undefined };
  const forward = (call: (sink: TopicSink) => void) => (entry.sink ? call(entry.sink) : entry.held.push(call));
  const ended = () => {
    if (early.get(key) === entry) early.delete(key);
  };
  early.set(key, entry);
  entry.dispose = liveClient(credentials).client.subscribe(
    { query, variables },
    {
      next: (message) => forward((sink) => sink.next(message)),
      error: (err) => {
        ended();
        forward((sink) => sink.error(err));
      },
      complete: () => {
        ended();
        forward((sink) => sink.complete());
      },
    },
  );
  setTimeout(() => {
    if (entry.sink) return;
    ended();
    entry.dispose();
  }, EARLY_TAKEN_WITHIN_MS);
}

/** Takes over a subscription started early for the same topic, replaying what it held; null when there is none. */
function takeEarly(key: string, sink: TopicSink): (() => void) | null {
  const entry = early.get(key);
  if (!entry) return null;
  early.delete(key);
  entry.sink = sink;
  for (const call of entry.held.splice(0)) call(sink);
  return entry.dispose;
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
    const sink: Sink<FormattedExecutionResult<Record<string, T>, unknown>> = {
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
    };
    dispose = takeEarly(earlyKey(credentials, query, JSON.stringify(vars)), sink as TopicSink) ?? live.client.subscribe({ query, variables: vars }, sink);
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
