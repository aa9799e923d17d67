/**
 * Text PostgreSQL cannot store: a NUL character (refused in text and jsonb)
 * or a lone UTF-16 surrogate (refused in jsonb, silently replaced in text).
 * Such input is refused up front as `parameter_invalid` on the field that
 * holds it, instead of failing later in the database.
 */
import { PaymentError } from '../../domain/errors.ts';

const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const depthMax = 32;

/** Answers the dotted path of the first unstorable string (in a key or a value), or null. */
export function findUnstorableText(value: unknown, path = '', depth = 0): string | null {
  if (typeof value === 'string') return unstorable.test(value) ? path : null;
  // A provider's raw notification is verified as bytes, never stored as text.
  if (Buffer.isBuffer(value)) return null;
  if (value === null || typeof value !== 'object' || depth > depthMax) return null;
  for (const [key, child] of Object.entries(value)) {
    const childPath = path ? `${path}.${key}` : key;
    if (unstorable.test(key)) return childPath;
    const found = findUnstorableText(child, childPath, depth + 1);
    if (found !== null) return found;
  }
  return null;
}

export function screenText(parts: Record<string, unknown>): void {
  for (const [part, value] of Object.entries(parts)) {
    const path = findUnstorableText(value);
    if (path !== null) {
      throw new PaymentError('parameter_invalid', {
        param: path || part,
        details: { reason: 'it holds a NUL character or an unpaired UTF-16 surrogate' },
      });
    }
  }
}
