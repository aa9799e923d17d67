/**
 * Signing in to the console in a real browser, at a desktop's and a phone's
 * size: a new owner's first sign-in leads to enrolment (QR code, a code from
 * the secret, ten recovery codes shown once), then password and TOTP, then a
 * recovery code, each checked by axe-core and saved as screenshots.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser } from '../support/browser.ts';
import { addMember, emailRun, memberPassword } from '../support/console.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { openMessageBody } from '../../src/store/messages.ts';
import { checkNoPageProblems, consoleAccessibilityViolations, consoleViewportNames, enrolThroughPage, fillPassword, newConsolePage, signInWithTotp } from './console-kit.ts';
import { consoleScreenshot } from './console-screens.ts';

let stack: Stack;
let browser: Browser;

/**
 * Ant Design's styles come with the console's stylesheet (its zero-runtime mode): the components are styled, in the
 * console's theme (its primary colour on the primary button), and the style elements written at run time declare only
 * the theme's CSS variables, no rule of a component's.
 */
async function expectStylesBuiltAhead(page: Page, primaryButton: string | null): Promise<void> {
  // The tests' TypeScript has no DOM: what runs in the page is a string.
  if (primaryButton) {
    const style = `getComputedStyle(document.querySelector('[data-testid="${primaryButton}"]'))`;
    expect(await page.evaluate(`${style}.backgroundColor`)).toBe('rgb(31, 95, 191)');
    expect(await page.evaluate(`${style}.borderRadius`)).toBe('6px');
  }
  const runtime = (await page.evaluate(`(() => {
    const found = [];
    let styleElements = 0;
    for (const element of document.querySelectorAll('style')) {
      styleElements += 1;
      for (const rule of element.sheet ? element.sheet.cssRules : []) {
        const declared = rule instanceof CSSStyleRule ? [...rule.style].filter((property) => !property.startsWith('--')) : ['(not a style rule)'];
        if (declared.length > 0) found.push(rule.cssText.slice(0, 80));
      }
    }
    const linked = [...document.styleSheets].filter((sheet) => sheet.href && sheet.href.includes('/console/assets/')).reduce((sum, sheet) => sum + sheet.cssRules.length, 0);
    return { found, styleElements, linked };
  })()`)) as { found: string[]; styleElements: number; linked: number };
  expect(runtime.styleElements).toBeGreaterThan(0);
  expect(runtime.found).toEqual([]);
  expect(runtime.linked).toBeGreaterThan(1000);
}

describe.skipIf(!browserAvailable)('console sign-in in a browser', () => {
  beforeAll(async () => {
    stack = await startStack();
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    checkNoPageProblems();
    await browser?.close();
    await stack?.close();
  });

  it('resets a forgotten password from the emailed link, which then no longer works', async () => {
    const email = `forgetful@${emailRun}.example.com`;
    await addMember(stack, stack.merchant.merchantId, 'support', email);
    const page = await newConsolePage(browser, 'phone', 'zh-CN');
    await page.goto(`${stack.url}/console`);
    await page.getByTestId('sign-in-email').waitFor({ timeout: 60_000 });
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    await consoleScreenshot(page, 'sign-in', 'phone', 'zh-CN');
    await page.getByRole('button', { name: '忘记密码？' }).click();
    await page.getByTestId('forgot-email').fill(email);
    await page.getByTestId('forgot-submit').click();
    await page.getByTestId('link-sent').waitFor();
    expect(await consoleAccessibilityViolations(page)).toEqual([]);

    const mail = await stack.db.db.selectFrom('messages').select(['id', 'body_text', 'body_html', 'body_sealed']).where('purpose', '=', 'console_password_reset').where('recipient', '=', email).executeTakeFirstOrThrow();
    const link = new URL(/(https?:\/\/\S+\/console\/\S+)/.exec(openMessageBody(mail, stack.context.keys.messages).text)![1]!);
    const address = `${stack.url}${link.pathname}${link.search}${link.hash}`;
    await page.goto(address);
    await page.getByTestId('new-password').fill('a brand new passphrase');
    await page.getByTestId('repeat-password').fill('a brand new passphrase');
    await page.getByTestId('set-password-submit').click();
    await page.getByTestId('password-set').waitFor();
    await page.getByTestId('go-sign-in').click();
    await fillPassword(page, email, 'a brand new passphrase');
    await page.getByTestId('console-page').waitFor();

    // The link worked once.
    const again = await newConsolePage(browser, 'desktop');
    await again.goto(address);
    await again.getByTestId('new-password').fill('yet another passphrase');
    await again.getByTestId('repeat-password').fill('yet another passphrase');
    await again.getByTestId('set-password-submit').click();
    await again.getByTestId('set-password-error').waitFor();
    await again.context().close();
    await page.context().close();
  }, 120_000);

  for (const viewport of consoleViewportNames) {
    it(`enrols a new owner's second factor, then signs in with a TOTP code and with a recovery code (${viewport})`, async () => {
      const email = `owner-${viewport}@${emailRun}.example.com`;
      await addMember(stack, stack.merchant.merchantId, 'owner', email);
      const page = await newConsolePage(browser, viewport);
      await page.goto(`${stack.url}/`);
      await page.getByTestId('sign-in-email').waitFor({ timeout: 60_000 });
      expect(await consoleAccessibilityViolations(page)).toEqual([]);
      await consoleScreenshot(page, 'sign-in', viewport, 'en');
      await expectStylesBuiltAhead(page, 'sign-in-submit');
      await fillPassword(page, email, memberPassword);

      // An owner's first session reaches enrolment only.
      await page.getByTestId('enrol-start').waitFor();
      expect(await consoleAccessibilityViolations(page)).toEqual([]);
      const enrolled = await enrolThroughPage(page, email);
      expect(enrolled.recoveryCodes).toHaveLength(10);
      expect(new Set(enrolled.recoveryCodes).size).toBe(10);
      await consoleScreenshot(page, 'recovery-codes', viewport, 'en');
      expect(await consoleAccessibilityViolations(page)).toEqual([]);
      await page.getByTestId('recovery-done').click();
      await page.getByTestId('console-page').waitFor();
      await expectStylesBuiltAhead(page, null);

      await page.getByTestId('sign-out').click();
      await page.getByTestId('sign-in-email').waitFor();
      await signInWithTotp(page, `${stack.url}/console`, email, memberPassword, enrolled.secret);
      await page.getByTestId('sign-out').click();

      // A recovery code instead of the phone; it works once.
      await page.getByTestId('sign-in-email').waitFor();
      await fillPassword(page, email, memberPassword);
      await page.getByTestId('toggle-recovery').click();
      await page.getByTestId('recovery-code').fill(enrolled.recoveryCodes[0]!);
      expect(await consoleAccessibilityViolations(page)).toEqual([]);
      await consoleScreenshot(page, 'sign-in-recovery', viewport, 'en');
      await page.getByTestId('second-factor-submit').click();
      await page.getByTestId('console-page').waitFor();
      const trail = await stack.db.db.selectFrom('audit_log').select(['action', 'after']).where('merchant_id', '=', stack.merchant.merchantId).where('action', '=', 'member.signed_in').orderBy('seq', 'desc').executeTakeFirstOrThrow();
      expect(trail.after).toMatchObject({ second_factor: 'recovery_code' });
      await page.getByTestId('sign-out').click();
      await page.getByTestId('sign-in-email').waitFor();
      await fillPassword(page, email, memberPassword);
      await page.getByTestId('toggle-recovery').click();
      await page.getByTestId('recovery-code').fill(enrolled.recoveryCodes[0]!);
      await page.getByTestId('second-factor-submit').click();
      await page.getByTestId('sign-in-error').waitFor();
      await page.context().close();
    }, 120_000);
  }
});
