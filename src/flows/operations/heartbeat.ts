/**
 * A heartbeat's timer, shared by the worker's and the API process's: one beat
 * at a time (a slow database is not piled on), a failed beat reported and the
 * next one tried, and a timer that never keeps the process alive.
 */
export interface BeatTimer {
  /** Stops the timer and waits for a beat on its way, so nothing is written after. */
  stop(): Promise<void>;
}

export function beatEvery(beat: () => Promise<void>, intervalMs: number, onError: (error: unknown) => void): BeatTimer {
  let beating: Promise<void> | null = null;
  const timer = setInterval(() => {
    if (beating) return;
    beating = beat()
      .catch(onError)
      .finally(() => (beating = null));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await beating;
    },
  };
}
