import { ref, shallowRef, watch, type Ref } from 'vue';
import type { Credentials } from '../api/credentials.js';
import { request } from '../api/http.js';
import { followUpLink } from '../followup/followup.logic.js';
import { issueFollowUpTokenMutation } from '../followup/followup.ops.js';
import type { PendingAnswer } from './pending.js';

/** The rater's follow-up link (追评, R9) and when its period ends. */
export interface DeviceFollowUp {
  link: string;
  until: string;
}

/**
 * The follow-up link for the answer just given at this device, asked with the device's key
 * (issueFollowUpToken) once the server has stored that answer, one request per answer. `data` stays
 * null while the answer waits to be sent, when the server had another rating of the service already
 * (ALREADY_RATED), and when it refuses the link (follow-ups off, period over): then the device shows
 * nothing about follow-ups.
 */
export function useFollowUpLink(answer: Ref<PendingAnswer | null>, credentials: () => Credentials) {
  const data = shallowRef<DeviceFollowUp | null>(null);
  const state = ref<'idle' | 'loading' | 'live' | 'error'>('idle');
  let current: string | null = null;
  let asked: string | null = null;

  watch(
    () => [answer.value?.submissionId ?? null, answer.value?.state, answer.value?.duplicate] as const,
    async ([id, status, duplicate]) => {
      if (id !== current) {
        current = id;
        data.value = null;
        state.value = 'idle';
      }
      const input = answer.value?.input;
      if (!id || status !== 'sent' || duplicate || asked === id || !input?.projectNo || input.serviceNumber == null) return;
      asked = id;
      state.value = 'loading';
      try {
        const res = await request<{ issueFollowUpToken: { token: string; expiresAt: string } }>(
          issueFollowUpTokenMutation,
          { projectNo: input.projectNo, serviceNumber: input.serviceNumber },
          credentials(),
        );
        if (current !== id) return;
        const issued = res.data?.issueFollowUpToken;
        data.value = issued ? { link: followUpLink(window.location.origin, issued.token), until: issued.expiresAt } : null;
        state.value = issued ? 'live' : 'error';
      } catch {
        if (current === id) state.value = 'error';
      }
    },
    { immediate: true },
  );

  return { data, state };
}
