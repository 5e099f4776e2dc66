import { onScopeDispose, ref, shallowRef, watch } from 'vue';
import { liveClient } from '../api/live-client.js';
import { call, session } from './session.js';
import { wsOps } from './workspace.ops.js';

export interface CaseRow {
  id: number;
  state: string;
  stateName: string;
  projectNo: string;
  itemName: string;
  departmentName: string;
  handlingDepartmentName: string | null;
  level: number;
  levelName: string;
  openedAt: string;
  dueAt: string | null;
  rectifyDueAt: string;
  overdue: boolean;
  paused: boolean;
  escalationLevel: number;
  problemId: number | null;
  allowedActions: string[];
}

export type LoadState = 'idle' | 'loading' | 'live' | 'error';

/**
 * The caller's case queue for a filter, reloaded whenever a case in scope changes (the server pushes
 * `rectificationChanged`), so clocks, escalations and new cases appear without a refresh.
 */
export function useCaseQueue(filter: () => Record<string, unknown>) {
  const data = shallowRef<{ total: number; items: CaseRow[] } | null>(null);
  const state = ref<LoadState>('idle');
  const error = ref<string | null>(null);
  let seq = 0;

  const load = async () => {
    const mine = ++seq;
    state.value = data.value ? state.value : 'loading';
    try {
      const res = await call<{ rectificationCases: { total: number; items: CaseRow[] } }>(wsOps.queue, { filter: { ...filter(), limit: 100 } });
      if (mine !== seq) return;
      data.value = res.rectificationCases;
      state.value = 'live';
      error.value = null;
    } catch (err) {
      if (mine !== seq) return;
      state.value = 'error';
      error.value = err instanceof Error ? err.message : String(err);
    }
  };

  let timer: ReturnType<typeof setTimeout> | undefined;
  const token = session.value?.token;
  const stop = token
    ? liveClient({ token }).client.subscribe(
        { query: wsOps.changes },
        {
          // Coalesce bursts (a joint invalidation ends several cases at once) into one reload.
          next: () => {
            clearTimeout(timer);
            timer = setTimeout(load, 200);
          },
          error: () => undefined,
          complete: () => undefined,
        },
      )
    : () => undefined;

  watch(filter, load, { immediate: true, deep: true });
  onScopeDispose(() => {
    clearTimeout(timer);
    stop();
  });
  return { data, state, error, reload: load };
}
