import { nextTick, onBeforeUnmount, onMounted, ref, useTemplateRef } from 'vue';
import { ops } from '../api/operations.js';
import type { Ticket } from '../api/types.js';
import { useI18n } from '../i18n/index.js';
import type RateResult from './RateResult.vue';
import { newPendingRating, sendRating, type AnswerRules, type EvaluationInput, type PendingRating, type RatingStore } from './submission.js';
import { fetchTicket } from './ticket.js';
import type { useAnswerForm } from './use-answer-form.js';

/** The pages of a citizen's answer from a link: its ticket loading, the form, sending, the thanks, or why the link is refused. */
export type AnswerPhase = 'loading' | 'form' | 'sending' | 'done' | 'expired' | 'invalid' | 'used' | 'closed';

export interface AnswerLinkOptions {
  /** The link's token (`?t=`). */
  token: string;
  /** Where the answer is kept on this device until the server has it. */
  store: RatingStore;
  /** The page's useAnswerForm(): restored from the store, checked and sent. */
  answer: ReturnType<typeof useAnswerForm>;
  /** The mutation that sends the answer, and how its refusals read. */
  mutation: string;
  rules?: AnswerRules;
  /** The page the ratingTicket answer leads to, when no answer saved on this device decides it. */
  phaseOfTicket(ticket: Ticket | null, code: string | undefined): AnswerPhase;
  /** The page a refused answer leads to; null: the form stays, with the server's message. */
  phaseOfRefusal(code: string): AnswerPhase | null;
  /** Before the thanks are shown: what this device sent (null if it is gone). */
  onDone?(sent: PendingRating | null): void;
}

/**
 * The steps shared by the rating page (R7) and the follow-up page (R9): an answer kept on this device
 * from an earlier visit is sent before anything else; otherwise the link's ticket is loaded (retried
 * through network errors) and decides the page. `submit` checks the form, keeps the answer with its
 * submissionId made once, and sends it, retrying through network errors, never twice in flight.
 */
export function useAnswerLink(options: AnswerLinkOptions) {
  const { t } = useI18n();
  const { store, token } = options;
  const { level, tags, comment, problem, missing } = options.answer;
  const phase = ref<AnswerPhase>('loading');
  const ticket = ref<Ticket | null>(null);
  const retrying = ref(false);
  /** The thanks (a RateResult with ref="statusEl"), focused once shown. */
  const statusEl = useTemplateRef<InstanceType<typeof RateResult>>('statusEl');
  const abort = new AbortController();

  onMounted(async () => {
    const saved = store.load();
    if (saved?.status === 'done') return finish(saved);
    if (!token && !saved) return void (phase.value = 'invalid');
    if (saved) {
      level.value = saved.input.level;
      comment.value = saved.input.comment ?? '';
      void loadTicket();
      return send();
    }
    await loadTicket();
  });
  onBeforeUnmount(() => abort.abort());

  async function loadTicket(): Promise<void> {
    const answer = await fetchTicket<Ticket>(ops.ratingTicket, token, 'ratingTicket', {
      signal: abort.signal,
      onRetry: () => {
        retrying.value = true;
      },
    });
    if (!answer) return;
    retrying.value = false;
    if (answer.ticket) ticket.value = answer.ticket;
    // An answer saved on this device and being resent decides the page, not the ticket.
    if (phase.value !== 'loading') return;
    phase.value = options.phaseOfTicket(answer.ticket, answer.code);
  }

  /** Checks the form (focusing what is missing), keeps the answer with `extra` fields and sends it. */
  async function submit(extra: Partial<EvaluationInput> = {}): Promise<void> {
    const gap = missing();
    if (gap) return void nextTick(() => document.getElementById(gap)?.focus());
    store.save(newPendingRating({ token, level: level.value!, tags: tags.value, comment: comment.value.trim() || null, ...extra }, Date.now()));
    await send();
  }

  async function send(): Promise<void> {
    if (phase.value === 'sending') return;
    phase.value = 'sending';
    try {
      const outcome = await sendRating(options.mutation, store, {
        signal: abort.signal,
        rules: options.rules,
        onRetry: () => {
          retrying.value = true;
        },
      });
      retrying.value = false;
      if (outcome.kind === 'success') return finish(store.load());
      const refused = options.phaseOfRefusal(outcome.code);
      if (refused) return void (phase.value = refused);
      problem.value = t('rate.failed', { message: outcome.message });
      phase.value = 'form';
    } catch {
      // The page is being left: the saved answer is resent when it is opened again.
    }
  }

  function finish(sent: PendingRating | null): void {
    options.onDone?.(sent);
    phase.value = 'done';
    void nextTick(() => statusEl.value?.focus());
  }

  return { phase, ticket, retrying, submit };
}
