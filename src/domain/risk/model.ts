/**
 * The per-merchant fraud score: a logistic regression (ml-logistic-regression)
 * over the numeric and boolean signals of the merchant's labelled payments
 * (fraudulent or not), trained by the worker. Features are standardized with
 * the training set's means and spreads, kept with the weights, so scoring at
 * confirm is a dot product with no library call. Its quality is the AUC on a
 * held-out fifth of each class of labelled payments (chosen by a hash of the payment id).
 */
import { createHash } from 'node:crypto';
import LogisticRegression from 'ml-logistic-regression';
import { Matrix } from 'ml-matrix';
import { assert } from '../assert.ts';
import { signalTypes, type SignalName, type Signals } from './signals.ts';

/** The signals the model reads: every number and boolean but its own score. */
export const modelFeatures: readonly SignalName[] = (Object.keys(signalTypes) as SignalName[]).filter(
  (name) => signalTypes[name] !== 'string' && name !== 'risk_score',
);

export interface RiskModel {
  features: string[];
  means: number[];
  scales: number[];
  /** Bias first, then one weight per feature. */
  weights: number[];
}

export interface LabelledPayment {
  paymentId: string;
  signals: Signals;
  fraudulent: boolean;
}

export interface TrainingResult {
  model: RiskModel;
  samples: number;
  frauds: number;
  /** Area under the ROC curve on the held-out payments; null when they hold only one class. */
  auc: number | null;
  heldOut: number;
}

/**
 * A fifth of each class (fraudulent or not) held out, chosen by a hash of the
 * payment id: the same split at every training, unrelated to time or order,
 * and never without both classes while each has two payments.
 */
function splitHeldOut(labelled: readonly LabelledPayment[]): { training: LabelledPayment[]; heldOut: LabelledPayment[] } {
  const hash = (id: string) => createHash('sha256').update(id).digest('hex');
  const training: LabelledPayment[] = [];
  const heldOut: LabelledPayment[] = [];
  for (const fraudulent of [true, false]) {
    const members = labelled.filter((l) => l.fraudulent === fraudulent).map((l) => ({ l, key: hash(l.paymentId) }));
    members.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const held = members.length >= 2 ? Math.max(1, Math.round(members.length / 5)) : 0;
    members.forEach((member, index) => (index < held ? heldOut : training).push(member.l));
  }
  return { training, heldOut };
}

function featureValue(signals: Partial<Signals>, name: string): number {
  const value = signals[name as SignalName];
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) return 0;
  // Amounts and counts spread over orders of magnitude: their logarithm keeps one large payment from dominating.
  return Math.sign(value) * Math.log1p(Math.abs(value));
}

export function trainRiskModel(labelled: readonly LabelledPayment[], options: { steps: number }): TrainingResult {
  const { training, heldOut } = splitHeldOut(labelled);
  assert(training.some((l) => l.fraudulent) && training.some((l) => !l.fraudulent), 'a model is trained on both classes');
  const features = [...modelFeatures];
  const raw = training.map((l) => features.map((name) => featureValue(l.signals, name)));
  const means = features.map((_, j) => raw.reduce((sum, row) => sum + (row[j] ?? 0), 0) / raw.length);
  const scales = features.map((_, j) => {
    const variance = raw.reduce((sum, row) => sum + ((row[j] ?? 0) - (means[j] ?? 0)) ** 2, 0) / raw.length;
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  const rows = raw.map((row) => [1, ...row.map((v, j) => (v - (means[j] ?? 0)) / (scales[j] ?? 1))]);
  // Class 0 is "not fraudulent", class 1 "fraudulent"; the library trains one-against-the-rest,
  // and its first classifier answers the probability of "not class 0", that is of fraud.
  const target = Matrix.columnVector(training.map((l) => (l.fraudulent ? 1 : 0)));
  const regression = new LogisticRegression({ numSteps: options.steps, learningRate: 1 / training.length });
  regression.train(new Matrix(rows), target);
  const classifier = regression.classifiers[0];
  assert(classifier !== undefined, 'the regression trained its first classifier');
  const model: RiskModel = { features, means, scales, weights: classifier.weights.to1DArray() };
  const scored = heldOut.map((l) => ({ score: scoreProbability(model, l.signals), fraudulent: l.fraudulent }));
  return { model, samples: labelled.length, frauds: labelled.filter((l) => l.fraudulent).length, auc: areaUnderCurve(scored), heldOut: heldOut.length };
}

/** The probability of fraud the model gives these signals. */
export function scoreProbability(model: RiskModel, signals: Partial<Signals>): number {
  let sum = model.weights[0] ?? 0;
  model.features.forEach((name, j) => {
    const standardized = (featureValue(signals, name) - (model.means[j] ?? 0)) / (model.scales[j] ?? 1);
    sum += (model.weights[j + 1] ?? 0) * standardized;
  });
  return 1 / (1 + Math.exp(-sum));
}

/** The `risk_score` signal: 0–100. */
export function riskScore(model: RiskModel | null, signals: Partial<Signals>): number {
  if (!model) return -1;
  return Math.round(scoreProbability(model, signals) * 100);
}

/** The chance a fraudulent payment scores above a good one (ties count half); null without both. */
export function areaUnderCurve(scored: readonly { score: number; fraudulent: boolean }[]): number | null {
  const positives = scored.filter((s) => s.fraudulent);
  const negatives = scored.filter((s) => !s.fraudulent);
  if (positives.length === 0 || negatives.length === 0) return null;
  let wins = 0;
  for (const p of positives) for (const n of negatives) wins += p.score > n.score ? 1 : p.score === n.score ? 0.5 : 0;
  return wins / (positives.length * negatives.length);
}

export function isRiskModel(value: unknown): value is RiskModel {
  const model = value as RiskModel | null;
  return (
    typeof model === 'object' && model !== null && Array.isArray(model.features) && Array.isArray(model.weights) &&
    model.weights.length === model.features.length + 1 && model.means.length === model.features.length && model.scales.length === model.features.length
  );
}
