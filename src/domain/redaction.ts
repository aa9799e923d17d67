/**
 * What may be written about a request where secrets must not go (logs, an
 * email about a webhook endpoint). A URL keeps its scheme, host and path and
 * the names of its query parameters, never their values nor a user and
 * password: the hosted checkout polls with `?client_secret=`, order links
 * carry `?token=`, providers' redirects carry signatures, and a webhook URL
 * may hold credentials. Free text (an error's message or stack) additionally
 * loses API keys, bearer tokens and anything that reads like a card number.
 *
 * Redacting too much is the safe mistake here: a log line that says less is
 * a nuisance, one that says a secret is an incident.
 */

export const redactedMark = '[redacted]';

/**
 * Names of fields whose values are secrets or personal payment data, wherever
 * they appear in something logged: keys, PINs, codes, card data, tokens.
 */
export const sensitiveFieldNames = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'pin',
  'otp',
  'code',
  'card',
  'number',
  'cvc',
  'cvv',
  'exp_month',
  'exp_year',
  'token',
  'client_secret',
  'secret',
  'password',
  'credentials',
  'api_key',
  'private_key',
  'sign',
  'signature',
  'payment_method',
] as const;

const queryValuePattern = /([?&][^=&#\s"'<>\\]{1,200}=)[^&#\s"'<>\\]*/g;
const userInfoPattern = /\b([a-z][a-z0-9+.-]{0,20}:\/\/)[^\s/?#@"'<>\\]+@/gi;
const apiKeyPattern = /\b((?:sk|pk)_(?:test|live))_[A-Za-z0-9_-]{4,}/g;
const bearerPattern = /\b(bearer\s+)[^\s"'\\,;]+/gi;
// 13 to 19 digits, maybe grouped by single spaces or dashes, not inside a longer word or number.
const cardNumberPattern = /(?<![\w.])\d(?:[ -]?\d){12,18}(?![\w.])/g;

// Most text holds none of the above: one scan tells, before the several that replace.
const mayHoldCredentials = /[?@]|_(?:test|live)_|bearer/i;
const mayHoldCardNumber = /\d{4}/;

/**
 * A request's URL (path and query, or absolute) for a log: every query value
 * and any user and password replaced, the fragment dropped.
 */
export function redactUrl(url: string): string {
  const withoutFragment = url.split('#', 1)[0] ?? '';
  return redactCredentials(withoutFragment);
}

/**
 * Text that may quote URLs, keys or headers, made safe for a log: query values,
 * users and passwords in URLs, API keys and bearer tokens replaced. Digits are
 * left alone, so it can run over whole JSON log lines (timestamps included).
 */
export function redactCredentials(text: string): string {
  if (!mayHoldCredentials.test(text)) return text;
  return text
    .replace(userInfoPattern, `$1${redactedMark}@`)
    .replace(queryValuePattern, `$1${redactedMark}`)
    .replace(apiKeyPattern, `$1_${redactedMark}`)
    .replace(bearerPattern, `$1${redactedMark}`);
}

/** An error's message or stack for a log: credentials as above, and anything that reads like a card number. */
export function redactFreeText(text: string): string {
  const redacted = redactCredentials(text);
  return mayHoldCardNumber.test(redacted) ? redacted.replace(cardNumberPattern, redactedMark) : redacted;
}
