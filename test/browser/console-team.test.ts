/**
 * A member invited from the Team page, in a real browser at 1280×800 and
 * 390×844: the invitation's emailed link opens the page that sets a
 * password, the analyst signs in with it, sees only what the role allows,
 * and is refused a refund by the server even when the request is sent by
 * hand (hiding the button is not the check).
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../src/domain/console/totp.ts';
import { openMessageBody } from '../../src/store/messages.ts';
import { browserAvailable, launchBrowser } from '../support/browser.ts';
import { addMember, ConsoleClient, emailRun, enrol, memberPassword } from '../support/console.ts';
import { startStack, type Stack } from '../support/stack.ts';
import { checkNoPageProblems, consoleAccessibilityViolations, consoleViewportNames, fillPassword, markTotpStepUsed, newConsoleContext, paidPayment, settled, signInWithTotp } from './console-kit.ts';
import { consoleScreenshot } from './console-screens.ts';

let stack: Stack;
let browser: Browser;
let secret: Buffer;
let paymentId: string;
const ownerEmail = `team-owner@${emailRun}.example.com`;

describe.skipIf(!browserAvailable)('console team in a browser', () => {
  beforeAll(async () => {
    stack = await startStack();
    browser = await launchBrowser();
    await addMember(stack, stack.merchant.merchantId, 'owner', ownerEmail);
    const client = new ConsoleClient(stack);
    expect((await client.signIn({ email: ownerEmail, password: memberPassword })).status).toBe(200);
    secret = (await enrol(client, (s) => totp(s, Date.now()))).secret;
    markTotpStepUsed(ownerEmail);
    paymentId = await paidPayment(stack, 30_00, 'TEAM-1');
  }, 120_000);

  afterAll(async () => {
    checkNoPageProblems();
    await browser?.close();
    await stack?.close();
  });

  async function invitationLink(email: string): Promise<string> {
    const mail = await stack.db.db.selectFrom('messages').select(['id', 'body_text', 'body_html', 'body_sealed']).where('purpose', '=', 'console_invitation').where('recipient', '=', email).executeTakeFirstOrThrow();
    const link = /(https?:\/\/\S+\/console\/\S+)/.exec(openMessageBody(mail, stack.context.keys.messages).text)?.[1];
    expect(link).toBeTruthy();
    const url = new URL(link!);
    return `${stack.url}${url.pathname}${url.search}${url.hash}`;
  }

  for (const viewport of consoleViewportNames) {
    it(`invites an analyst who signs in and is refused a refund by the server (${viewport})`, async () => {
      const analystEmail = `analyst-${viewport}@${emailRun}.example.com`;
      const ownerContext = await newConsoleContext(browser, viewport);
      const owner = await ownerContext.newPage();
      await signInWithTotp(owner, `${stack.url}/console/team`, ownerEmail, memberPassword, secret);
      await owner.getByTestId('team-table').waitFor();
      await owner.getByTestId('invite-open').click();
      await owner.getByTestId('invite-email').fill(analystEmail);
      await owner.getByTestId('invite-name').fill('Ana Lyst');
      expect(await consoleAccessibilityViolations(owner)).toEqual([]);
      await consoleScreenshot(owner, 'team-invite', viewport, 'en');
      await owner.getByTestId('invite-send').click();
      await owner.getByTestId('team-table').locator('tr', { hasText: analystEmail }).waitFor();
      expect(await owner.getByTestId('team-table').locator('tr', { hasText: analystEmail }).textContent()).toMatch(/Analyst/);
      await ownerContext.close();

      // The invitee opens the emailed link, chooses a password, and signs in with it.
      const analystContext = await newConsoleContext(browser, viewport);
      const analyst = await analystContext.newPage();
      await analyst.goto(await invitationLink(analystEmail));
      await analyst.getByTestId('new-password').fill('a long analyst passphrase');
      await analyst.getByTestId('repeat-password').fill('a long analyst passphrase');
      expect(await consoleAccessibilityViolations(analyst)).toEqual([]);
      await consoleScreenshot(analyst, 'set-password', viewport, 'en');
      await analyst.getByTestId('set-password-submit').click();
      await analyst.getByTestId('password-set').waitFor();
      expect(analyst.url()).not.toContain('token');
      await analyst.getByTestId('go-sign-in').click();
      await fillPassword(analyst, analystEmail, 'a long analyst passphrase');
      await analyst.getByTestId('console-page').waitFor();
      await settled(analyst);

      // The menu offers the analyst's pages only.
      if (viewport === 'phone') await analyst.getByTestId('menu-open').click();
      await analyst.getByTestId('nav-overview').waitFor();
      expect(await analyst.getByTestId('nav-payments').count()).toBe(0);
      expect(await analyst.getByTestId('nav-team').count()).toBe(0);
      if (viewport === 'phone') await analyst.keyboard.press('Escape');

      // Even sent by hand, with the session's cookie and CSRF token, the refund is refused.
      const refused = (await analyst.evaluate(async (payment) => {
        const session = (await (await fetch("/console/api/session")).json()) as { csrf_token: string };
        const response = await fetch(`/console/api/payments/${payment}/refund?mode=test`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrf_token },
          body: JSON.stringify({ amount: 100 }),
        });
        return { status: response.status, body: await response.json() };
      }, paymentId)) as { status: number; body: { error: { code: string } } };
      expect(refused.status).toBe(403);
      expect(refused.body.error.code).toBe('console_role_forbidden');
      expect((await stack.api('GET', `/v1/payments/${paymentId}`)).body.amount_refunded).toBe(0);

      // The payment's address shows the refusal, not the page.
      await analyst.goto(`${stack.url}/console/payments/${paymentId}`);
      await analyst.getByTestId('notice-403').waitFor();
      expect(await analyst.getByTestId('refund-open').count()).toBe(0);
      expect(await consoleAccessibilityViolations(analyst)).toEqual([]);
      await consoleScreenshot(analyst, 'analyst-refused', viewport, 'en');
      await analystContext.close();
    }, 180_000);
  }
});
