/** Screenshots of the console, one per page, size and language, for people to look at after a run (test-results is not kept in git). */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';

const screenshotDir = path.resolve('test-results/screenshots/console');

export async function consoleScreenshot(page: Page, name: string, viewport: string, language: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}-${viewport}-${language}.png`);
  // Let transitions (menus, modals) settle before the picture.
  await page.waitForTimeout(300);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * The two pictures the README shows (docs/console-*.png), remade only when
 * asked (UPDATE_DOCS_SCREENSHOTS=1), so a test run leaves the tree as it was.
 * The visible part only, to keep them small.
 */
export async function docsScreenshot(page: Page, name: string): Promise<void> {
  if (process.env.UPDATE_DOCS_SCREENSHOTS !== '1') return;
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.resolve('docs', `console-${name}.png`), fullPage: false });
}
