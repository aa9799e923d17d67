/**
 * Every text the console's shell and own pages show exists in en, zh-CN and
 * zh-TW: each `l(en, zhCN, zhTW)` has three non-empty texts, the Chinese
 * ones are not the English left untranslated, and `{placeholders}` match.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { texts } from './i18n.ts';

const consoleDir = path.dirname(fileURLToPath(import.meta.url));
/** The analytics pages and their charts belong to another part of the console, with their own checks. */
const analyticsPages = new Set(['overview', 'channels', 'cancellations', 'segments', 'alerts', 'after-sales', 'feedback', 'reconciliation'].map((name) => `pages/${name}.tsx`));

function sourceFiles(dir: string, prefix = ''): string[] {
  return readdirSync(path.join(dir, prefix), { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) return entry.name === 'charts' ? [] : sourceFiles(dir, relative);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.test.ts') && !analyticsPages.has(relative) ? [relative] : [];
  });
}

const literal = String.raw`'((?:[^'\\]|\\.)*)'`;
const call = new RegExp(String.raw`\bl\(\s*${literal},\s*${literal},\s*${literal},?\s*\)`, 'g');
/** Words written the same in every language. */
const sameEverywhere = new Set(['URL', 'Webhook', 'HTTP', 'API', 'ID', 'CSV', '2FA']);

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();
}

describe('console texts', () => {
  const found: { file: string; en: string; zhCN: string; zhTW: string }[] = [];
  for (const file of sourceFiles(consoleDir)) {
    const source = readFileSync(path.join(consoleDir, file), 'utf8');
    for (const match of source.matchAll(call)) found.push({ file, en: match[1]!, zhCN: match[2]!, zhTW: match[3]! });
  }

  it('finds the texts of every page', () => {
    expect(found.length).toBeGreaterThan(300);
    expect(new Set(found.map((text) => text.file)).size).toBeGreaterThanOrEqual(10);
  });

  it('has every text in the three languages, translated, with the same placeholders', () => {
    const problems: string[] = [];
    for (const text of found) {
      const where = `${text.file}: ${text.en}`;
      if (!text.en || !text.zhCN || !text.zhTW) problems.push(`${where}: empty`);
      const untranslated = (zh: string) => zh === text.en && /[A-Za-z]{3}/.test(text.en) && !sameEverywhere.has(text.en);
      if (untranslated(text.zhCN) || untranslated(text.zhTW)) problems.push(`${where}: not translated`);
      const expected = placeholders(text.en).join();
      if (placeholders(text.zhCN).join() !== expected || placeholders(text.zhTW).join() !== expected) problems.push(`${where}: placeholders differ`);
    }
    expect(problems).toEqual([]);
  });

  it('has the shared table complete', () => {
    for (const [key, text] of Object.entries(texts)) {
      expect(text.en, key).not.toBe('');
      expect(text['zh-CN'], key).not.toBe('');
      expect(text['zh-TW'], key).not.toBe('');
    }
  });
});
