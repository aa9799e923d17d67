/**
 * The event stream on NATS JetStream: one stream (`PAYPILOT_EVENTS` unless
 * configured) holding every subject under the prefix, one subject per
 * payment: `<prefix>.<merchant>.<mode>.<payment>`, so a subscriber filters by
 * merchant, by mode or by payment with NATS wildcards, and one payment's
 * events stay in order on one subject.
 *
 * `publish` resolves only once JetStream has stored the message and said so
 * (its PubAck); each message carries the event's id as `Nats-Msg-Id`, so a
 * publication repeated within the stream's duplicate window (after a crash
 * between the acknowledgement and its record, or a lost acknowledgement) is
 * dropped by the server. Like the other senders here, it never touches the
 * database; the flow records what it did (flows/event-stream/).
 *
 * The connection is made when first needed and reconnects forever: a broker
 * that is down, at start-up or later, only delays publication.
 */
import { connect, headers, nanos, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';

export interface StreamMessage {
  subject: string;
  /** The event's id: JetStream drops a second message with the same id within its duplicate window. */
  messageId: string;
  body: string;
  headers: Record<string, string>;
}

export interface EventStreamSink {
  /** Resolves once the stream has stored the message (or found it a duplicate); rejects otherwise. */
  publish(message: StreamMessage): Promise<{ duplicate: boolean }>;
  /** The subject of an event about `orderingKey` (its payment). */
  subjectOf(event: { merchantId: string; mode: string; orderingKey: string }): string;
  close(): Promise<void>;
}

export interface NatsStreamSettings {
  /** e.g. nats://127.0.0.1:4222; several separated by commas. */
  url: string;
  stream: string;
  subjectPrefix: string;
  /** How long JetStream remembers message ids to drop repeats. */
  duplicateWindowMs: number;
  publishTimeoutMs: number;
}

/** Subject tokens may not hold dots, spaces or wildcards; ids never do, but a stray one must not change the subject's shape. */
function token(text: string): string {
  return text.replace(/[.\s*>]/g, '_') || '_';
}

export function natsEventStream(settings: NatsStreamSettings): EventStreamSink {
  let current: Promise<{ connection: NatsConnection; stream: ReturnType<typeof jetstream> }> | null = null;
  let closed = false;
  // Connected when first needed, and again when a first attempt failed or the connection closed; once
  // connected, the client reconnects by itself, forever, so a broker that restarts keeps its connection.
  const connected = () => {
    current ??= (async () => {
      const connection = await connect({
        servers: settings.url.split(',').map((server) => server.trim()),
        name: 'paypilot-event-stream',
        maxReconnectAttempts: -1,
        reconnectTimeWait: 500,
        timeout: settings.publishTimeoutMs,
      });
      void connection.closed().then(() => {
        current = null;
      });
      await ensureStream(connection, settings);
      return { connection, stream: jetstream(connection, { timeout: settings.publishTimeoutMs }) };
    })().catch((error: unknown) => {
      current = null;
      throw error;
    });
    return current;
  };
  return {
    async publish(message) {
      if (closed) throw new Error('the event stream is closed');
      const { stream } = await connected();
      const messageHeaders = headers();
      for (const [name, value] of Object.entries(message.headers)) messageHeaders.set(name, value);
      const ack = await stream.publish(message.subject, message.body, { msgID: message.messageId, headers: messageHeaders, timeout: settings.publishTimeoutMs });
      return { duplicate: ack.duplicate };
    },
    subjectOf(event) {
      return `${settings.subjectPrefix}.${token(event.merchantId)}.${token(event.mode)}.${token(event.orderingKey)}`;
    },
    async close() {
      closed = true;
      const connecting = current;
      current = null;
      const held = await connecting?.catch(() => null);
      if (held) await held.connection.drain().catch(() => held.connection.close());
    },
  };
}

/** The stream, made if it is not there yet (file storage, the configured duplicate window). */
async function ensureStream(connection: NatsConnection, settings: NatsStreamSettings): Promise<void> {
  const manager = await jetstreamManager(connection, { timeout: settings.publishTimeoutMs });
  try {
    await manager.streams.info(settings.stream);
  } catch {
    await manager.streams.add({
      name: settings.stream,
      subjects: [`${settings.subjectPrefix}.>`],
      storage: StorageType.File,
      duplicate_window: nanos(settings.duplicateWindowMs),
    });
  }
}
