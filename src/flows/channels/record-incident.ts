/**
 * Recording a connector account's circuit opening and closing as an
 * incident. The breaker (domain/payments/routing.ts) lives in each process and tells
 * this recorder synchronously, in the middle of a payment: the recorder only
 * starts one statement and returns, so the payment never waits for it, and a
 * failure to record is dropped rather than failing the payment. Writes for
 * one account are chained, so a close can never overtake its open.
 *
 * Several processes may open the same account's circuit: the first one's
 * incident stands (one open circuit incident per account), and the first
 * close ends it. A close also brings forward the status queries of every
 * outcome still unknown on that account.
 */
import type { IdGenerator } from '../../domain/ids.ts';
import type { CircuitChange, CircuitListener } from '../../domain/payments/routing.ts';
import type { Db } from '../../store/database.ts';
import { recordCircuitClosed, recordCircuitOpened } from '../../store/alerts.ts';
import { expediteOutcomeQueries } from '../../store/payments.ts';

export interface CircuitIncidentRecorder {
  listener: CircuitListener;
  /** Resolves once every write started so far has finished (tests, shutdown). */
  settled(): Promise<void>;
}

/** `db` is read when a change happens, so the recorder can be made before the database is known. */
export function circuitIncidentRecorder(deps: { db: () => Db; ids: IdGenerator; onError?: (error: unknown) => void }): CircuitIncidentRecorder {
  const chains = new Map<string, Promise<void>>();
  const write = (change: CircuitChange): Promise<void> => {
    const at = new Date(change.atMs);
    return change.change === 'opened'
      ? recordCircuitOpened(deps.db(), deps.ids.newId('inc'), change.accountId, at)
      : // The account answers again: what waits on it is asked about at the next sweep, not after its backoff.
        recordCircuitClosed(deps.db(), { id: change.accountId, merchantId: change.merchantId }, at).then(() => expediteOutcomeQueries(deps.db(), { id: change.accountId, merchantId: change.merchantId }, at)).then(() => undefined);
  };
  return {
    listener(change) {
      const previous = chains.get(change.accountId) ?? Promise.resolve();
      const next = previous.then(() => write(change)).catch((error: unknown) => deps.onError?.(error));
      chains.set(change.accountId, next);
      // Forget a finished chain, so the map holds only accounts with a write in flight.
      void next.then(() => {
        if (chains.get(change.accountId) === next) chains.delete(change.accountId);
      });
    },
    async settled() {
      await Promise.all([...chains.values()]);
    },
  };
}
