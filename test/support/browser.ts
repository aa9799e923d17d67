/**
 * Debian's Chromium driven by playwright-core: installed by .ci/run with apt,
 * never downloaded by a test tool. Without it (a fresh developer machine), the
 * browser tests are skipped with a note, unless PAYPILOT_REQUIRE_BROWSER is
 * set (as CI sets it), where they fail.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const browserAvailable = existsSync(chromiumPath) || process.env.PAYPILOT_REQUIRE_BROWSER === '1';

if (!existsSync(chromiumPath)) {
  console.warn(`browser tests skipped: no Chromium at ${chromiumPath} (install Debian's package: apt-get install chromium)`);
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    // The machine's network is closed: without these, Chromium keeps trying to reach Google's services.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export const viewports = {
  phone: { width: 360, height: 740, isMobile: true, hasTouch: true, userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36' },
  desktop: { width: 1280, height: 800, isMobile: false, hasTouch: false, userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36' },
} as const;
export type ViewportName = keyof typeof viewports;

export async function newPage(browser: Browser, viewport: ViewportName, locale = 'en-US'): Promise<Page> {
  const v = viewports[viewport];
  const context = await browser.newContext({
    viewport: { width: v.width, height: v.height },
    isMobile: v.isMobile,
    hasTouch: v.hasTouch,
    userAgent: v.userAgent,
    locale,
  });
  const page = await context.newPage();
  // A page must make no request to another origin; the simulators' pages (a provider's) are allowed their own.
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['127.0.0.1', 'localhost'].includes(url.hostname) && url.protocol !== 'data:') foreignRequests.push(request.url());
  });
  return page;
}

/** Requests any test page made to a host other than this machine: there must be none. */
export const foreignRequests: string[] = [];

const screenshotDir = path.resolve('test-results/screenshots');

/** Saves what the payer sees, for people to look at after the run. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await mkdir(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/** axe-core's serious and critical violations on the page as it is now. */
export async function accessibilityViolations(page: Page): Promise<{ id: string; impact: string; help: string; nodes: number }[]> {
  const axePath = path.resolve('node_modules/axe-core/axe.min.js');
  await page.addScriptTag({ path: axePath }).catch(async () => {
    // The strict CSP refuses an added script tag; evaluate the source instead.
    const { readFile } = await import('node:fs/promises');
    await page.evaluate(await readFile(axePath, 'utf8'));
  });
  const results = (await page.evaluate(`axe.run(document, { resultTypes: ['violations'] })`)) as {
    violations: { id: string; impact: string; help: string; nodes: unknown[] }[];
  };
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
}
