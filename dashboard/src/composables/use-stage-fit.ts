import { onScopeDispose, ref } from 'vue';
import { stageFit, type StageFit } from '../screen/screen.logic.js';

/**
 * Fits the 1920×1080 design to the window by layout (a CSS transform of vector content), not by
 * stretching a bitmap: recomputed on resize and when devicePixelRatio changes (OS zoom, moving the
 * window to another display).
 */
export function useStageFit() {
  const fit = ref<StageFit>(stageFit(window.innerWidth, window.innerHeight));
  const update = () => {
    fit.value = stageFit(window.innerWidth, window.innerHeight);
  };
  let media: MediaQueryList | null = null;
  const watchDpr = () => {
    media?.removeEventListener('change', onDpr);
    media = window.matchMedia(`(resolution: ${window.devicePixelRatio}dppx)`);
    media.addEventListener('change', onDpr);
  };
  function onDpr() {
    update();
    watchDpr();
  }
  window.addEventListener('resize', update);
  watchDpr();
  onScopeDispose(() => {
    window.removeEventListener('resize', update);
    media?.removeEventListener('change', onDpr);
  });
  return fit;
}
