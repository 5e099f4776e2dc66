import { ref, shallowRef, watch, type Ref } from 'vue';
import { call, WorkspaceError } from './session.js';
import { wsOps, type WorkspaceAction } from './workspace.ops.js';
import type { LoadState } from './use-cases.js';

export interface HistoryStep {
  seq: number;
  action: string;
  actionName: string;
  fromState: string | null;
  toState: string;
  actor: string;
  actorRole: string;
  at: string;
  note: string | null;
  attachments: string[];
}

export interface CaseDetail {
  id: number;
  state: string;
  stateName: string;
  ratingId: number;
  projectNo: string;
  serviceNumber: number;
  itemName: string;
  departmentId: number;
  departmentName: string;
  handlingDepartmentName: string | null;
  handler: string | null;
  staffWorkNo: string | null;
  level: number;
  levelName: string;
  finding: string | null;
  reasonable: boolean | null;
  rectClass: string | null;
  proposedHandling: string | null;
  leaderInstruction: string | null;
  content: string | null;
  reply: string | null;
  callbackAttempts: number;
  callbackReached: boolean | null;
  callbackSatisfaction: number | null;
  rerateLevel: number | null;
  openedAt: string;
  dueAt: string | null;
  stageDueAt: string | null;
  rectifyDueAt: string;
  extensions: number;
  extensionReason: string | null;
  paused: boolean;
  overdue: boolean;
  everOverdue: boolean;
  onTime: boolean | null;
  escalationLevel: number;
  invalidReason: string | null;
  problemId: number | null;
  closedAt: string | null;
  appeal: { reason: string; by: string; at: string; decision: string | null; decidedAt: string | null; decidedBy: string | null; note: string | null } | null;
  allowedActions: string[];
  rating: {
    id: number;
    level: number;
    levelName: string;
    comment: string | null;
    channel: string;
    valid: boolean;
    raterName: string | null;
    raterMobile: string | null;
    tags: Array<{ code: string; name: string }>;
    ratedAt: string;
  } | null;
  history: HistoryStep[];
}

/** One case and the actions on it; after each action the case is read again. */
export function useCase(id: Ref<number>) {
  const data = shallowRef<CaseDetail | null>(null);
  const state = ref<LoadState>('idle');
  const error = ref<string | null>(null);

  const load = async () => {
    state.value = 'loading';
    try {
      data.value = (await call<{ rectificationCase: CaseDetail }>(wsOps.caseDetail, { id: id.value })).rectificationCase;
      state.value = 'live';
      error.value = null;
    } catch (err) {
      state.value = 'error';
      error.value = err instanceof Error ? err.message : String(err);
    }
  };

  /** Takes one action; resolves with an error message (shown by the form) or null. */
  const act = async (action: WorkspaceAction, input: Record<string, unknown>): Promise<string | null> => {
    try {
      await call(wsOps.actions[action], { id: id.value, input });
      await load();
      return null;
    } catch (err) {
      return err instanceof WorkspaceError ? err.message : String(err);
    }
  };

  watch(id, load, { immediate: true });
  return { data, state, error, reload: load, act };
}
