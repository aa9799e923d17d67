/**
 * A chart's figures as a table: the first column names the point (a time, a
 * channel, a reason) as a row heading, then one column per series. What a
 * screen reader reads instead of the canvas, and what the table switch shows.
 */
import type { CSSProperties } from 'react';
import type { TableView } from './shape.ts';

const tableStyle: CSSProperties = { width: '100%', borderCollapse: 'collapse', fontSize: 13 };
const cellStyle: CSSProperties = { borderBottom: '1px solid #f0f0f0', padding: '4px 8px', textAlign: 'right', whiteSpace: 'nowrap' };
const headingStyle: CSSProperties = { ...cellStyle, textAlign: 'left' };

export function ChartTable({ table, labelledBy, testId }: { table: TableView; labelledBy: string; testId?: string }) {
  return (
    <table style={tableStyle} aria-labelledby={labelledBy} data-testid={testId}>
      <thead>
        <tr>
          {table.head.map((heading, index) => (
            <th key={index} scope="col" style={index === 0 ? headingStyle : cellStyle}>
              {heading}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {table.rows.map((row, rowIndex) => (
          <tr key={rowIndex}>
            {row.map((cell, index) =>
              index === 0 ? (
                <th key={index} scope="row" style={{ ...headingStyle, fontWeight: 'normal' }}>
                  {cell}
                </th>
              ) : (
                <td key={index} style={cellStyle}>
                  {cell}
                </td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
