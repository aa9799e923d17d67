/**
 * The event stream's publisher loop, run by `paypilot worker` (and `start`)
 * when PAYPILOT_NATS_URL is set. Starting it registers the publisher, which
 * turns the event outbox on (migration 0046): from then on every new event is
 * owed to the stream.
 *
 * Of several workers, one publishes at a time: each round first takes or
 * renews the lease (one conditional UPDATE), so a worker that dies hands over
 * once its lease runs out, and a round never outlasts the lease it renewed
 * (limits.ts checks the budget against it). When nothing is owed it polls;
 * after a failed round (the broker is down) it backs off, doubling up to a
 * bound, and tries the same publications again, oldest first.
 */
import { limits } from '../../domain/limits.ts';
import type { EventStreamSink } from '../../messaging/event-stream-nats.ts';
import { leasePublisher, registerPublisher, releasePublisher, unregisterPublisher } from '../../store/event-stream.ts';
import { now, type FlowContext } from '../context.ts';
import { publishOwedEvents, type PublishRound } from './publish-events.ts';

export const eventStreamPublisherName = 'nats';

export interface PublisherOptions {
  /** Names this process in the lease. */
  holder: string;
  /** Told of each failed round (the loop carries on). */
  onError?: (error: unknown) => void;
  /** Told of each round that published something or failed. */
  onRound?: (round: PublishRound) => void;
}

export async function startEventStreamPublisher(context: FlowContext, sink: EventStreamSink, options: PublisherOptions): Promise<{ stop(): Promise<void> }> {
  await registerPublisher(context.db, eventStreamPublisherName, now(context));
  let stopping = false;
  let wake: (() => void) | null = null;
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = (async () => {
    let retryDelayMs: number = limits.eventStreamIdlePollMs;
    while (!stopping) {
      let pauseMs: number = limits.eventStreamIdlePollMs;
      try {
        const leased = await leasePublisher(context.db, { name: eventStreamPublisherName, holder: options.holder, now: now(context), leaseMs: limits.eventStreamLeaseMs });
        if (leased) {
          const round = await publishOwedEvents(context, sink);
          if (round.published > 0 || round.failed > 0) options.onRound?.(round);
          if (round.failed > 0) {
            retryDelayMs = Math.min(limits.eventStreamRetryDelayMaxMs, retryDelayMs * 2);
            pauseMs = retryDelayMs;
          } else {
            retryDelayMs = limits.eventStreamIdlePollMs;
            // A full batch: more is owed, go on at once.
            if (round.published > 0) pauseMs = 0;
          }
        } else {
          pauseMs = limits.eventStreamLeaseMs / 4;
        }
      } catch (error) {
        options.onError?.(error);
        retryDelayMs = Math.min(limits.eventStreamRetryDelayMaxMs, retryDelayMs * 2);
        pauseMs = retryDelayMs;
      }
      if (!stopping && pauseMs > 0) await pause(pauseMs);
    }
  })();

  return {
    async stop() {
      stopping = true;
      wake?.();
      await loop;
      await releasePublisher(context.db, eventStreamPublisherName, options.holder).catch(() => {});
    },
  };
}

/**
 * `paypilot event-stream off`: no event is queued for the stream any more,
 * and what was owed is forgotten. A worker still started with
 * PAYPILOT_NATS_URL turns it on again: take the setting away first.
 */
export async function turnEventStreamOff(context: Pick<FlowContext, 'db'>): Promise<{ forgotten: number }> {
  return unregisterPublisher(context.db, eventStreamPublisherName);
}
