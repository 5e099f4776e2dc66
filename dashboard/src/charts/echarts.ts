// The one place ECharts is assembled: only the charts, components and renderer the screens use, so
// the bundle carries nothing else (a lean widget bundle).
import { init, use, type ECharts } from 'echarts/core';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

// SVG, not canvas: the big screen is laid out at 1920×1080 and scaled with CSS, and vector output
// stays sharp at any scale and devicePixelRatio, where a canvas bitmap would be stretched.
// No tooltips: the big screen hides the cursor and nobody hovers over a hall display.
use([BarChart, LineChart, PieChart, GridComponent, LegendComponent, SVGRenderer]);

export function createChart(el: HTMLElement): ECharts {
  return init(el, undefined, { renderer: 'svg' });
}

export type { ECharts };
