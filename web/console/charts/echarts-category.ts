/** ECharts for figures per category (category-chart.tsx): bars. */
import { BarChart } from 'echarts/charts';
import { init, use } from './echarts-base.ts';

use([BarChart]);

export { init };
