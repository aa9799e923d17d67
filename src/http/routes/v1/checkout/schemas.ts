/** Schemas the checkout routes share. The first-party id the checkout keeps in the payer's browser (assignment to experiments when the payment has no customer). */
import { Type } from 'typebox';
import { payerKeyPattern } from '../../../../domain/experiments/assignment.ts';

export const PayerId = Type.String({ pattern: payerKeyPattern.source, description: "The checkout's own id for this browser (8 to 64 letters, digits, _ or -), used when the payment has no customer." });
