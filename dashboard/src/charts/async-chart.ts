import { defineAsyncComponent } from 'vue';

let held: Promise<unknown> | null = null;

/**
 * Holds the chart library's download until `until` settles, or `maxMs` have passed: the big screen
 * holds it until its first figures are shown, so that half a megabyte of ECharts is not downloaded,
 * parsed and run while the first snapshot is on its way and being rendered.
 */
export function holdCharts(until: Promise<unknown>, maxMs = 3_000): void {
  held = Promise.race([until, new Promise((resolve) => setTimeout(resolve, maxMs))]);
}

/**
 * ECharts is most of the big screen's code: loaded as its own chunk, so the counters and lists subscribe
 * and show their first figures without waiting for the chart library (see `holdCharts`).
 */
export const BaseChart = defineAsyncComponent(() => (held ?? Promise.resolve()).then(() => import('./BaseChart.vue')));
