/**
 * What a payer reads when a page cannot open because of the link itself (an
 * unknown payment, a wrong client secret or order token, no key). The API's
 * own message is written for developers (keys, modes, the Authorization
 * header); the payer only needs to know the link does not work and what to
 * do. Pure, unit-tested.
 */
import { ApiError } from './api.ts';
import { t, type Lang } from './i18n.ts';
import type { ShownError } from './present.ts';

/** The payer's words for a refused link; null for anything else (a network failure, a server error keep their own words). */
export function payerFacingError(error: unknown, lang: Lang, page: 'checkout' | 'order'): ShownError | null {
  if (!(error instanceof ApiError)) return null;
  if (error.status !== 400 && error.status !== 401 && error.status !== 403 && error.status !== 404) return null;
  return page === 'checkout'
    ? { code: error.body.code, message: t(lang, 'error.brokenLink'), suggestion: t(lang, 'error.brokenLinkSuggestion'), detail: null }
    : { code: error.body.code, message: t(lang, 'error.brokenOrderLink'), suggestion: t(lang, 'error.badOrderLinkSuggestion'), detail: null };
}
