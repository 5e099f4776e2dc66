import { onScopeDispose, ref } from 'vue';

/** The current time, ticking every `everyMs`, for clocks and "n seconds left". */
export function useNow(everyMs = 1000) {
  const now = ref(new Date());
  const timer = setInterval(() => {
    now.value = new Date();
  }, everyMs);
  onScopeDispose(() => clearInterval(timer));
  return now;
}
