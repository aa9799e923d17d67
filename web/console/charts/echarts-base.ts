/**
 * ECharts by module: the core, the canvas renderer and the grid, tooltip and
 * legend every console chart uses. Never imported statically by a page: each
 * kind of chart imports its own module (echarts-time.ts, echarts-category.ts)
 * with `import()` once its card is on the screen, so a page draws its figures
 * (and the charts' frames and tables) before ECharts arrives, and loads only
 * the series types it draws.
 */
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';

use([CanvasRenderer, GridComponent, TooltipComponent, LegendComponent]);

export { init, use };
