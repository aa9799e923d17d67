/**
 * What every simulator's fault injection shares: reading a partial set of
 * faults from JSON within each fault's bounds, and counting down the
 * requests that are to fail.
 */
import { randomInt } from 'node:crypto';

export interface FaultShape<FailMode extends string> {
  failModes: readonly FailMode[];
  /** Integer faults and their maximum. */
  integerLimits: Readonly<Record<string, number>>;
  /** On/off faults. */
  flags?: readonly string[];
}

/** Reads a partial faults object (from JSON); answers an error message when it is not one. */
export function parseFaultFields<Faults, FailMode extends string>(value: unknown, shape: FaultShape<FailMode>): Partial<Faults> | { error: string } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'faults must be an object' };
  const faults: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    if (name === 'failMode') {
      if (!(shape.failModes as readonly unknown[]).includes(field)) return { error: `failMode must be one of ${shape.failModes.join(', ')}` };
      faults.failMode = field;
    } else if (shape.flags?.includes(name)) {
      if (typeof field !== 'boolean') return { error: `${name} must be true or false` };
      faults[name] = field;
    } else if (Object.hasOwn(shape.integerLimits, name)) {
      const max = shape.integerLimits[name] ?? 0;
      if (!Number.isSafeInteger(field) || (field as number) < 0 || (field as number) > max) {
        return { error: `${name} must be an integer from 0 to ${max}` };
      }
      faults[name] = field;
    } else {
      return { error: `unknown fault ${name}` };
    }
  }
  return faults as Partial<Faults>;
}

/** The failure one request was given; lateMs is fixed when it is given. */
export interface InjectedFailure<FailMode extends string> {
  mode: FailMode;
  lateMs: number;
}

/**
 * Takes the failure the next request gets, if any: one of the failNext
 * counted down, else one drawn at failPercent. The draw is not seeded: which
 * request of several in flight meets a fault depends on timing anyway, and a
 * run that must replay (test/chaos) keeps the seed of what it asks for.
 */
export function takeFailure<FailMode extends string>(faults: {
  failNext: number;
  failPercent?: number;
  failMode: FailMode;
  lateMs: number;
}): InjectedFailure<FailMode> | null {
  if (faults.failNext > 0) {
    faults.failNext -= 1;
    return { mode: faults.failMode, lateMs: faults.lateMs };
  }
  const percent = faults.failPercent ?? 0;
  if (percent > 0 && randomInt(100) < percent) return { mode: faults.failMode, lateMs: faults.lateMs };
  return null;
}
