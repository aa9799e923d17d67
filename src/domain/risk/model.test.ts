import { describe, expect, it } from 'vitest';
import { seededLabelledSet } from '../../../test/support/risk-labelled.ts';
import { areaUnderCurve, isRiskModel, riskScore, trainRiskModel } from './model.ts';

describe('the risk model', () => {
  it('trains on a seeded labelled set and scores held-out payments well (AUC printed)', () => {
    const labelled = seededLabelledSet(18, 1_000);
    const trained = trainRiskModel(labelled, { steps: 400 });
    console.log(`risk model: ${trained.samples} labelled (${trained.frauds} fraudulent), AUC ${trained.auc?.toFixed(3)} on ${trained.heldOut} held out`);
    expect(trained.heldOut).toBeGreaterThan(150);
    expect(trained.heldOut).toBeLessThan(250);
    expect(trained.auc).toBeGreaterThan(0.85);
    expect(isRiskModel(JSON.parse(JSON.stringify(trained.model)))).toBe(true);
    const fraud = labelled.find((l) => l.fraudulent && l.signals.country_mismatch && l.signals.is_new_customer);
    const good = labelled.find((l) => !l.fraudulent && !l.signals.is_new_customer && !l.signals.country_mismatch);
    expect(riskScore(trained.model, fraud?.signals ?? {})).toBeGreaterThan(riskScore(trained.model, good?.signals ?? {}));
    for (const l of labelled.slice(0, 50)) {
      const score = riskScore(trained.model, l.signals);
      expect(score).toBeGreaterThanOrEqual(0);
      expect(score).toBeLessThanOrEqual(100);
    }
    expect(riskScore(null, {})).toBe(-1);
  });

  it('measures AUC as the chance a fraud outscores a good payment, ties half', () => {
    expect(areaUnderCurve([{ score: 0.9, fraudulent: true }, { score: 0.1, fraudulent: false }])).toBe(1);
    expect(areaUnderCurve([{ score: 0.1, fraudulent: true }, { score: 0.9, fraudulent: false }])).toBe(0);
    expect(areaUnderCurve([{ score: 0.5, fraudulent: true }, { score: 0.5, fraudulent: false }, { score: 0.2, fraudulent: false }])).toBe(0.75);
    expect(areaUnderCurve([{ score: 0.5, fraudulent: true }])).toBeNull();
  });
});
