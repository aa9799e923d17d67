/** Checkout experiments, their exposures, and the merchant's checkout setting (migration 0038). */
import type { ChildMerchantId, Json, Mode, Timestamp } from './columns.ts';

export interface ExperimentsTable {
  id: string;
  merchant_id: string;
  mode: Mode;
  name: string;
  status: 'draft' | 'running' | 'stopped';
  /** JSON text of the variants (key, name, share_basis_points, presentation), as the application wrote them. */
  variants: string;
  control_variant: string;
  minimum_sample_per_variant: number;
  starts_at: Timestamp | null;
  ends_at: Timestamp | null;
  started_at: Timestamp | null;
  stopped_at: Timestamp | null;
  promoted_variant: string | null;
  metadata: Json<Record<string, string>>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ExperimentExposuresTable {
  experiment_id: string;
  payment_id: string;
  payer_key: string;
  /** Migration 0058: see `ChildMerchantId`. */
  merchant_id: ChildMerchantId;
  variant_key: string;
  first_exposed_at: Timestamp;
}

export interface CheckoutSettingsTable {
  merchant_id: string;
  mode: Mode;
  /** JSON text of the presentation overrides. */
  presentation: string;
  source_experiment_id: string | null;
  updated_at: Timestamp;
}
