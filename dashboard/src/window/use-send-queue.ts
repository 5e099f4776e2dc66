import { computed, onBeforeUnmount, ref, shallowRef } from 'vue';
import type { Credentials } from '../api/credentials.js';
import { NetworkError, request } from '../api/http.js';
import { ops } from '../api/operations.js';
import type { EvaluationInput } from '../rate/submission.js';
import { isWaiting, submissionVariables, type PendingAnswer } from './pending.js';
import { memoryAnswerStore, openAnswerStore } from './pending-store.js';
import { SendQueue } from './send-queue.js';

/**
 * The device's outbox as a composable: `data` is this device's answers (waiting, sent, refused),
 * `state` is `loading` until what a previous page left is read back, then `live`. Sending goes on in
 * the background from the moment the page loads; the page only adds answers and shows them.
 */
export function useSendQueue(device: string, credentials: () => Credentials) {
  const data = shallowRef<PendingAnswer[]>([]);
  const state = ref<'loading' | 'live'>('loading');
  const durable = ref(true);
  let queue: SendQueue | null = null;

  const send = async (answer: PendingAnswer) => {
    const c = credentials();
    // Not paired yet, or the key was refused and is being re-entered: the answer waits for a key.
    if (!c.apiKey) return new NetworkError('no device key');
    try {
      return await request(ops.submitEvaluation, submissionVariables(answer), c);
    } catch (err) {
      return err instanceof NetworkError ? err : new NetworkError(String(err));
    }
  };
  const make = (store: Awaited<ReturnType<typeof openAnswerStore>>) => new SendQueue({ device, store, send, onChange: (list) => (data.value = list) });

  /** Resolves once the stored answers are read (and their sending resumed). */
  const ready: Promise<void> = (async () => {
    const store = await openAnswerStore();
    queue = make(store);
    durable.value = store.durable;
    try {
      await queue.load();
    } catch {
      // Storage unreadable: keep taking answers in memory rather than refusing the citizen.
      queue = make(memoryAnswerStore());
      durable.value = false;
    }
    state.value = 'live';
  })();

  onBeforeUnmount(() => queue?.stop());

  return {
    data,
    state,
    durable,
    ready,
    /** How many answers wait to be sent. */
    waiting: computed(() => data.value.filter(isWaiting).length),
    /** Stores the answer (resolved once it is on disk) and sends it in the background. */
    add: async (input: EvaluationInput): Promise<PendingAnswer> => {
      await ready;
      return queue!.add(input);
    },
    /** The connection is back: send now. */
    kick: () => queue?.kick(),
  };
}
