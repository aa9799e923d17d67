/** ECharts for figures over time (time-chart.tsx): lines, and bars when a series asks. */
import { BarChart, LineChart } from 'echarts/charts';
import { init, use } from './echarts-base.ts';

use([LineChart, BarChart]);

export { init };
