/**
 * The one React wrapper over ECharts: a titled card holding the canvas and,
 * always in the page, a table of the same figures. The canvas is hidden from
 * screen readers (it says nothing to them); the table is what they read, and
 * a switch shows it to everyone. ECharts is imported by module and later:
 * each kind of chart (time-chart.tsx, category-chart.tsx) hands this frame
 * the `import()` of its own ECharts module (the core, the canvas renderer,
 * the grid, tooltip and legend, and its series types), which the frame
 * starts once it is on the screen. So a page loads only what it draws, and
 * draws its figures, the frames and the tables before ECharts arrives. If
 * ECharts cannot be loaded (the network), the table is shown instead.
 */
import { Card, Switch } from 'antd';
import type { EChartsType, init } from 'echarts/core';
import { useEffect, useId, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import { pick, useConsole } from '../context.ts';
import type { ChartOption, TableView } from './shape.ts';
import { ChartTable } from './chart-table.tsx';
import { chartTexts } from './texts.ts';

/** A module of ECharts with the series types a kind of chart draws registered (charts/echarts-*.ts). */
export interface ChartEngine {
  init: typeof init;
}

/** Seen by screen readers, not by eyes (the usual "visually hidden" rules). */
const visuallyHidden: CSSProperties = {
  position: 'absolute',
  width: 1,
  height: 1,
  padding: 0,
  margin: -1,
  overflow: 'hidden',
  clip: 'rect(0, 0, 0, 0)',
  whiteSpace: 'nowrap',
  border: 0,
};

export interface ChartFrameProps {
  /** Imports the ECharts this chart draws with (a module's `import()`: the browser loads it once). */
  engine(): Promise<ChartEngine>;
  title: string;
  option: ChartOption;
  table: TableView;
  /** Canvas height in pixels. */
  height?: number;
  /** Shown beside the table switch (a filter, a note). */
  extra?: ReactNode;
  testId?: string;
}

export function ChartFrame({ engine, title, option, table, height = 260, extra, testId }: ChartFrameProps) {
  const { locale } = useConsole();
  const [showTable, setShowTable] = useState(false);
  const canvasRef = useRef<HTMLDivElement>(null);
  const chartRef = useRef<EChartsType | null>(null);
  // The option to draw once ECharts has arrived (it may arrive after the option changed).
  const optionRef = useRef(option);
  optionRef.current = option;
  const titleId = useId();
  const switchId = useId();

  useEffect(() => {
    const element = canvasRef.current;
    if (!element) return;
    let unmounted = false;
    let chart: EChartsType | null = null;
    let observer: ResizeObserver | null = null;
    engine().then(
      (echarts) => {
        if (unmounted) return;
        const made = echarts.init(element, undefined, { renderer: 'canvas' });
        chart = made;
        chartRef.current = made;
        made.setOption(optionRef.current, { notMerge: true });
        // The observer also reports the size the chart was made at, at once: drawing everything again for that is waste
        // (the overview's seven charts each drew twice), so only a size that changed is redrawn.
        observer = new ResizeObserver(([entry]) => {
          const width = Math.round(entry?.contentRect.width ?? 0);
          const height = Math.round(entry?.contentRect.height ?? 0);
          if (width !== made.getWidth() || height !== made.getHeight()) made.resize();
        });
        observer.observe(element);
      },
      () => {
        // No chart without ECharts: the same figures as a table.
        if (!unmounted) setShowTable(true);
      },
    );
    return () => {
      unmounted = true;
      observer?.disconnect();
      chart?.dispose();
      chartRef.current = null;
    };
    // One chart per frame; the kind of chart (its engine) does not change.
  }, []);

  useEffect(() => {
    chartRef.current?.setOption(option, { notMerge: true });
  }, [option]);

  useEffect(() => {
    if (!showTable) chartRef.current?.resize();
  }, [showTable]);

  return (
    <Card
      size="small"
      data-testid={testId}
      title={<span id={titleId}>{title}</span>}
      extra={
        <span style={{ display: 'inline-flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }}>
          {extra}
          <label htmlFor={switchId} style={{ fontSize: 12 }}>
            {pick(locale, chartTexts.showTable)}
          </label>
          <Switch id={switchId} size="small" checked={showTable} onChange={setShowTable} data-testid={testId ? `${testId}-table-switch` : undefined} />
        </span>
      }
    >
      <div ref={canvasRef} aria-hidden="true" style={{ height, width: '100%', display: showTable ? 'none' : 'block' }} />
      {/* Shown, a wide table scrolls sideways in a region the keyboard can reach. */}
      <div style={showTable ? { overflowX: 'auto' } : visuallyHidden} tabIndex={showTable ? 0 : undefined} role={showTable ? 'region' : undefined} aria-labelledby={showTable ? titleId : undefined}>
        <ChartTable table={table} labelledBy={titleId} testId={testId ? `${testId}-table` : undefined} />
        {table.rows.length === 0 && <p>{pick(locale, chartTexts.noData)}</p>}
      </div>
    </Card>
  );
}
