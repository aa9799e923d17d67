/**
 * The connectors Paypilot speaks, by name. Flows look a connector up here
 * and never import a connector's folder directly.
 */
import type { Clock } from '../domain/clock.ts';
import type { CardConnector, ChannelConnector, ChannelName } from './connector.ts';
import { createAlipayConnector } from './alipay/alipay-connector.ts';
import { createCardConnector } from './card/card-connector.ts';
import { createUnionpayConnector } from './unionpay/unionpay-connector.ts';
import { createWechatPayConnector } from './wechat-pay/wechat-pay-connector.ts';
import type { HttpExchange } from './http-exchange.ts';

export interface ConnectorRegistry {
  card: CardConnector;
  /** The channels where the payer pays at the provider (QR code or redirect). */
  channels: Record<ChannelName, ChannelConnector>;
}

/**
 * The clock is the flows' own: signatures carry timestamps that must agree
 * with it. The exchange is shared by every connector (and the webhook
 * sender): one set of pools, limits and outbound address rules.
 */
export function createConnectorRegistry(options: { timeoutMs?: number; clock?: Clock; exchange?: HttpExchange } = {}): ConnectorRegistry {
  return {
    card: createCardConnector({ timeoutMs: options.timeoutMs, exchange: options.exchange }),
    channels: {
      alipay: createAlipayConnector(options),
      wechat_pay: createWechatPayConnector(options),
      unionpay: createUnionpayConnector(options),
    },
  };
}

export function isChannel(name: string): name is ChannelName {
  return name === 'alipay' || name === 'wechat_pay' || name === 'unionpay';
}
