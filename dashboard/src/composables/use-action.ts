import { ref } from 'vue';
import { errorText } from '../workspace/errors.js';

export interface RunOptions {
  /** Asked with window.confirm first; nothing happens when the answer is no. */
  confirm?: string | null;
  /** Leaves the message of an earlier action in place (a reload after an action). */
  keepDone?: boolean;
}

/**
 * One workspace action at a time: `busy` while it runs, `error` when it fails (the message of
 * errorText: the catalog's for known extensions.code values, else the server's), and `done`, the
 * message an action may leave for the status line. `run` resolves to whether the work finished.
 */
export function useAction() {
  const busy = ref(false);
  const error = ref<string | null>(null);
  const done = ref<string | null>(null);

  async function run(work: () => Promise<void>, options: RunOptions = {}): Promise<boolean> {
    if (options.confirm && !window.confirm(options.confirm)) return false;
    busy.value = true;
    error.value = null;
    if (!options.keepDone) done.value = null;
    try {
      await work();
      return true;
    } catch (err) {
      error.value = errorText(err);
      return false;
    } finally {
      busy.value = false;
    }
  }

  return { busy, error, done, run };
}
