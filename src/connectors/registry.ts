/**
 * The connectors Paypilot speaks, by name. Flows look a connector up here
 * and never import a connector's folder directly.
 */
import type { CardConnector } from './connector.ts';
import { createCardConnector } from './card/card-connector.ts';

export interface ConnectorRegistry {
  card: CardConnector;
}

export function createConnectorRegistry(options: { timeoutMs?: number } = {}): ConnectorRegistry {
  return { card: createCardConnector(options) };
}
