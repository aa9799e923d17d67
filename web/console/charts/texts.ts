/** The charts' own words, in the console's three languages. */
import type { Localized } from '../context.ts';

export const chartTexts = {
  showTable: { en: 'Table', 'zh-CN': '表格', 'zh-TW': '表格' },
  noData: { en: 'No data in this range.', 'zh-CN': '此范围内没有数据。', 'zh-TW': '此範圍內沒有資料。' },
  time: { en: 'Time', 'zh-CN': '时间', 'zh-TW': '時間' },
} satisfies Record<string, Localized>;
