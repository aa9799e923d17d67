/** Whose data a store call reads or changes: one merchant, in live or test mode. */
import type { Mode } from './schema.ts';

export interface Scope {
  merchantId: string;
  mode: Mode;
}
