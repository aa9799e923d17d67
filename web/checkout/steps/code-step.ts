/// <reference lib="dom" />
/**
 * A one-time code: the bank's (a card's 3-D Secure-like step) or the
 * customer's own, which Paypilot sent because the merchant asks flagged
 * customers to confirm it is them. One input, one submit.
 */
import type { CustomerVerification } from '../api-types.ts';
import { h } from '../dom.ts';
import { formatDateTime } from '../format.ts';
import { isVerificationExpired } from '../flow.ts';
import { otpLength, sanitizeCode } from '../input-rules.ts';
import { errorAlert } from '../views.ts';
import { amountText, cancelButton, section, statusHeading, tr, type StepContext } from './step-kit.ts';

function codeInput(context: StepContext, describedBy: string, invalid: boolean): HTMLInputElement {
  const input = h('input', {
    id: 'otp-input', 'data-testid': 'otp-input', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: otpLength,
    value: context.drafts.otp, class: 'code', 'aria-describedby': describedBy, 'aria-invalid': invalid ? 'true' : null,
  });
  input.addEventListener('input', () => {
    context.drafts.otp = sanitizeCode(input.value);
    if (input.value !== context.drafts.otp) input.value = context.drafts.otp;
  });
  return input;
}

function codeForm(context: StepContext, labelText: string, input: HTMLInputElement, extra: HTMLElement | null, submitLabel: string): HTMLElement {
  return h(
    'form',
    {
      novalidate: true,
      onsubmit: (event) => {
        event.preventDefault();
        context.actions.submitOtp();
      },
    },
    h('div', { class: 'field' }, h('label', { for: 'otp-input' }, labelText), input, extra, h('p', { class: 'field-error', id: 'otp-input-error', hidden: true })),
    errorAlert(context.state.error),
    h('button', { type: 'submit', class: 'button pay', id: 'otp-submit', 'data-testid': 'otp-submit', 'data-action': '', 'data-busy-label': tr(context, 'pay.busy') }, submitLabel),
  );
}

/** The bank's code for a card. */
export function bankCodeStep(context: StepContext): HTMLElement {
  const input = codeInput(context, 'otp-intro otp-input-error', false);
  return section(
    statusHeading(tr(context, 'otp.title'), 'otp-title'),
    h('p', { id: 'otp-intro' }, tr(context, 'otp.intro')),
    codeForm(context, tr(context, 'otp.label'), input, null, tr(context, 'otp.submit')),
    cancelButton(context),
  );
}

/** The customer's own code, sent by SMS or email. */
export function verifyStep(context: StepContext, verification: CustomerVerification): HTMLElement {
  const { state } = context;
  const expired = isVerificationExpired(verification, context.nowMs);
  const attempts = state.codeAttemptsRemaining;
  const attemptsNote =
    attempts !== null
      ? h('p', { class: 'hint', id: 'otp-attempts', 'data-testid': 'otp-attempts' }, tr(context, attempts === 1 ? 'verify.attemptsOne' : 'verify.attemptsOther', { count: attempts }))
      : null;
  const describedBy = ['otp-intro', 'otp-expiry', attemptsNote ? 'otp-attempts' : null, 'otp-input-error', state.error ? 'error' : null].filter(Boolean).join(' ');
  const input = codeInput(context, describedBy, state.error?.code === 'verification_code_incorrect');
  const submitLabel = state.submitted ? tr(context, 'verify.submitPay', { amount: amountText(context) }) : tr(context, 'verify.submit');
  return section(
    statusHeading(tr(context, 'verify.title'), 'otp-title'),
    h('p', { id: 'otp-intro', 'data-testid': 'verify-intro' }, tr(context, verification.channel === 'sms' ? 'verify.sentSms' : 'verify.sentEmail', { recipient: verification.sent_to })),
    expired
      ? h('p', { class: 'notice', id: 'otp-expiry', 'data-testid': 'verify-expired' }, tr(context, 'verify.expired'))
      : h('p', { class: 'hint', id: 'otp-expiry', 'data-testid': 'verify-expiry' }, tr(context, 'verify.expiresAt', { time: formatDateTime(verification.expires_at, context.lang) })),
    codeForm(context, tr(context, 'verify.label'), input, attemptsNote, submitLabel),
    cancelButton(context),
  );
}
