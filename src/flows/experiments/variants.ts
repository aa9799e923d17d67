/** An experiment's variants as stored (JSON text written by create, never changed). */
import type { PresentationOverrides } from '../../domain/experiments/checkout-presentation.ts';

export interface StoredVariant {
  key: string;
  name: string;
  share_basis_points: number;
  presentation: PresentationOverrides;
}

export function parseVariants(text: string): StoredVariant[] {
  return JSON.parse(text) as StoredVariant[];
}
