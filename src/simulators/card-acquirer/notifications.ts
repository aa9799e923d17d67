/**
 * `POST /_control/notifications`: makes the simulated acquirer send one of its
 * risk notifications (connectors/card/risk-notifications.ts) about an
 * authorization it holds, signed with the authorization's account key (or
 * `signing_secret`), to `notify_url`. `id` sends an event again under the
 * same id, as an acquirer retrying a delivery would. Answers the event and
 * the status Paypilot answered (null when it could not be reached).
 */
import type { FastifyInstance } from 'fastify';
import { signRiskNotification, signatureHeader, type WireRiskNotification } from '../../connectors/card/risk-notifications.ts';
import type { AcquirerContext } from './context.ts';
import { errorResponse, okResponse } from './responses.ts';
import { send } from './context.ts';

const deliveryTimeoutMs = 5_000;

interface ControlBody {
  type: 'early_fraud_warning' | 'chargeback';
  authorization: string;
  notify_url: string;
  amount?: number;
  reason?: string;
  id?: string;
  dispute?: string;
  signing_secret?: string;
}

export function notificationControlRoutes(control: FastifyInstance, context: AcquirerContext): void {
  control.post('/notifications', async (request, reply) => {
    const body = (request.body ?? {}) as Partial<ControlBody>;
    if ((body.type !== 'early_fraud_warning' && body.type !== 'chargeback') || typeof body.authorization !== 'string' || typeof body.notify_url !== 'string') {
      return send(reply, errorResponse('parameter_invalid', { message: 'type (early_fraud_warning|chargeback), authorization and notify_url are required' }));
    }
    const record = context.state.authorizations.get(body.authorization);
    if (!record) return send(reply, errorResponse('resource_missing', { param: 'authorization' }));
    const hex = () => context.random.bytes(12).toString('hex');
    const event: WireRiskNotification = {
      id: body.id ?? `evt_${hex()}`,
      object: 'event',
      type: body.type === 'chargeback' ? 'dispute.created' : 'early_fraud_warning.created',
      created: Math.floor(context.clock.nowMs() / 1000),
      data: {
        authorization: record.wire.id,
        dispute: body.type === 'chargeback' ? (body.dispute ?? `dp_${hex()}`) : null,
        amount: body.amount ?? record.wire.amount_captured ?? record.wire.amount,
        currency: record.wire.currency,
        reason: body.reason ?? (body.type === 'chargeback' ? 'fraudulent' : 'unauthorized_use_of_card'),
      },
    };
    const raw = JSON.stringify(event);
    const signature = signRiskNotification(body.signing_secret ?? record.account, event.created, raw);
    const delivered = await fetch(body.notify_url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [signatureHeader]: signature },
      body: raw,
      signal: AbortSignal.timeout(deliveryTimeoutMs),
    }).then(
      async (answer) => {
        await answer.arrayBuffer();
        return answer.status;
      },
      () => null,
    );
    return send(reply, okResponse({ event, delivered }));
  });
}
