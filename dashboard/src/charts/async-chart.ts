import { defineAsyncComponent } from 'vue';

/**
 * ECharts is most of the big screen's code: loaded as its own chunk, in parallel, so the counters and
 * lists subscribe and show their first figures without waiting for the chart library to be parsed.
 */
export const BaseChart = defineAsyncComponent(() => import('./BaseChart.vue'));
