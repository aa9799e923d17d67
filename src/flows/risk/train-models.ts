/**
 * Training each merchant's fraud model (the worker's `train_risk_models`, daily):
 * for every merchant and mode with enough payments marked fraudulent, the
 * labelled payments (succeeded or marked, with their decision's signals) train
 * a logistic regression; its AUC on a held-out fifth is kept with it. A model
 * is kept only over an older one, so two runs at once leave the newer.
 */
import { limits } from '../../domain/limits.ts';
import { trainRiskModel, type LabelledPayment } from '../../domain/risk/model.ts';
import type { Signals } from '../../domain/risk/signals.ts';
import { labelledPayments, saveRiskModel, scopesWithFraudMarks } from '../../store/risk-models.ts';
import type { Scope } from '../../store/scope.ts';
import { now, type FlowContext } from '../context.ts';

export interface TrainingReport {
  merchantId: string;
  mode: Scope['mode'];
  samples: number;
  frauds: number;
  auc: number | null;
  heldOut: number;
}

const trainingSteps = 400;

/** Trains one merchant's model; null while it has too few labelled payments. */
export async function trainMerchantModel(context: FlowContext, scope: Scope): Promise<TrainingReport | null> {
  const rows = await labelledPayments(context.db, scope, limits.riskModelSamplesMax);
  const labelled: LabelledPayment[] = rows.map((row) => ({ paymentId: row.payment_id, signals: row.signals as Signals, fraudulent: row.fraudulent }));
  const frauds = labelled.filter((l) => l.fraudulent).length;
  if (labelled.length < limits.riskModelSamplesMin || frauds < limits.riskModelFraudsMin || labelled.length - frauds < limits.riskModelFraudsMin) return null;
  const trained = trainRiskModel(labelled, { steps: trainingSteps });
  await saveRiskModel(context.db, scope, { trainedAt: now(context), samples: trained.samples, frauds: trained.frauds, auc: trained.auc, model: trained.model });
  return { merchantId: scope.merchantId, mode: scope.mode, samples: trained.samples, frauds: trained.frauds, auc: trained.auc, heldOut: trained.heldOut };
}

export async function trainRiskModels(context: FlowContext): Promise<TrainingReport[]> {
  const reports: TrainingReport[] = [];
  for (const scope of await scopesWithFraudMarks(context.db, limits.riskModelFraudsMin)) {
    const report = await trainMerchantModel(context, scope);
    if (report) reports.push(report);
  }
  return reports;
}
