/**
 * Publishes what the event outbox owes (migration 0046) to the event stream,
 * at least once and in order per payment:
 *
 * - the oldest owed publications are read in the order they were queued and
 *   grouped by payment; a payment's events go out one after the other, each
 *   only once the one before it was acknowledged, and a failure stops that
 *   payment's group, so nothing of it overtakes the event that failed;
 * - different payments go out side by side (at most `eventStreamPublishesAtOnceMax`);
 * - a publication is deleted only after the stream acknowledged it. A crash
 *   between the two publishes it again on the next run; the stream drops the
 *   copy by its message id (the event's id) within its duplicate window.
 *
 * Only the holder of the publisher's lease publishes (run-publisher.ts), so
 * two workers never interleave one payment's events.
 */
import { limits } from '../../domain/limits.ts';
import { presentEvent } from '../../domain/notifications/present-event.ts';
import type { EventStreamSink } from '../../messaging/event-stream-nats.ts';
import { completePublications, owedPublications, type OwedPublication } from '../../store/event-stream.ts';
import type { FlowContext } from '../context.ts';

export interface PublishRound {
  published: number;
  /** Payments whose next event could not be published this round. */
  failed: number;
  /** The first failure's message, for the log. */
  firstError: string | null;
}

export async function publishOwedEvents(context: Pick<FlowContext, 'db' | 'clock'>, sink: EventStreamSink, batchSize: number = limits.eventStreamBatchSize): Promise<PublishRound> {
  const owed = await owedPublications(context.db, batchSize);
  const gone = owed.filter((publication) => publication.event === null).map((publication) => publication.sequence);
  const groups = new Map<string, OwedPublication[]>();
  for (const publication of owed) {
    if (publication.event === null) continue;
    const group = groups.get(publication.orderingKey) ?? [];
    group.push(publication);
    groups.set(publication.orderingKey, group);
  }
  const done: bigint[] = [...gone];
  const round: PublishRound = { published: 0, failed: 0, firstError: null };
  const queue = [...groups.values()];
  // Past the budget no publication starts: the round records what it has, and the next one renews the lease first.
  const stopStartingAtMs = context.clock.nowMs() + limits.eventStreamRoundBudgetMs;
  const publishGroup = async (group: OwedPublication[]) => {
    for (const publication of group) {
      if (context.clock.nowMs() >= stopStartingAtMs) return;
      try {
        await sink.publish(messageOf(sink, publication));
      } catch (error) {
        round.failed += 1;
        round.firstError ??= error instanceof Error ? error.message : String(error);
        return;
      }
      done.push(publication.sequence);
      round.published += 1;
    }
  };
  const lanes = Array.from({ length: Math.min(limits.eventStreamPublishesAtOnceMax, queue.length) }, async () => {
    for (let group = queue.shift(); group; group = queue.shift()) await publishGroup(group);
  });
  await Promise.all(lanes);
  await completePublications(context.db, done);
  return round;
}

function messageOf(sink: EventStreamSink, publication: OwedPublication) {
  const event = publication.event!;
  return {
    subject: sink.subjectOf({ merchantId: event.merchant_id, mode: event.mode, orderingKey: publication.orderingKey }),
    messageId: event.id,
    body: JSON.stringify(presentEvent(event)),
    headers: {
      'Paypilot-Event-Type': event.type,
      // Increases along each payment's events in the order they were queued: a subscriber can check its order.
      'Paypilot-Sequence': String(publication.sequence),
    },
  };
}
