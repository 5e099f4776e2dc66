import { onScopeDispose, ref, watch, type Ref } from 'vue';
import { tweenValue } from '../format.js';

/**
 * A counter that rolls to each new value instead of jumping, so a change on the big screen is seen.
 * One animation at a time: a new value takes over from wherever the last one had got to.
 */
export function useAnimatedNumber(source: () => number | null | undefined, durationMs = 900): Ref<number | null> {
  const shown = ref<number | null>(null);
  let frame = 0;
  const stopWatch = watch(
    source,
    (to) => {
      cancelAnimationFrame(frame);
      if (to === null || to === undefined) {
        shown.value = null;
        return;
      }
      const from = shown.value;
      if (from === null || document.hidden || from === to) {
        shown.value = to;
        return;
      }
      const started = performance.now();
      const step = (now: number) => {
        const t = (now - started) / durationMs;
        shown.value = tweenValue(from, to, t);
        if (t < 1) frame = requestAnimationFrame(step);
      };
      frame = requestAnimationFrame(step);
    },
    { immediate: true },
  );
  onScopeDispose(() => {
    stopWatch();
    cancelAnimationFrame(frame);
  });
  return shown;
}
