/**
 * The acquirer's answers: a status and a JSON body. Every error it gives is in
 * this one catalog, with its HTTP status and type.
 */
import type { WireErrorBody } from '../../connectors/card/wire.ts';

export interface ApiResponse {
  statusCode: number;
  body: unknown;
}

const acquirerErrors = {
  api_key_invalid: { status: 401, type: 'authentication_error', message: 'Invalid API key provided.' },
  parameter_missing: { status: 400, type: 'invalid_request_error', message: 'A required parameter is missing.' },
  parameter_invalid: { status: 400, type: 'invalid_request_error', message: 'A parameter is invalid.' },
  parameter_unknown: { status: 400, type: 'invalid_request_error', message: 'Received an unknown parameter.' },
  body_invalid: { status: 400, type: 'invalid_request_error', message: 'The request body could not be read.' },
  amount_too_large: { status: 400, type: 'invalid_request_error', message: 'The amount is larger than authorized.' },
  idempotency_key_reused: {
    status: 400,
    type: 'idempotency_error',
    message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
  },
  idempotency_key_in_use: {
    status: 409,
    type: 'idempotency_error',
    message: 'A request with this idempotency key is still being processed.',
  },
  resource_missing: { status: 404, type: 'invalid_request_error', message: 'No such object.' },
  route_unknown: { status: 404, type: 'invalid_request_error', message: 'Unrecognized request URL.' },
  authorization_unexpected_state: {
    status: 409,
    type: 'invalid_request_error',
    message: 'The authorization is not in a state that allows this.',
  },
  processing_error: {
    status: 402,
    type: 'card_error',
    message: 'An error occurred while processing the card. It was not charged.',
  },
  simulated_fault: { status: 500, type: 'api_error', message: 'Simulated failure (fault injection).' },
  internal_error: { status: 500, type: 'api_error', message: 'Something went wrong in the simulated acquirer.' },
} as const satisfies Record<string, { status: number; type: string; message: string }>;

export type AcquirerErrorCode = keyof typeof acquirerErrors;

export function errorResponse(code: AcquirerErrorCode, extra: { param?: string; message?: string } = {}): ApiResponse {
  const { status, type, message } = acquirerErrors[code];
  const body: WireErrorBody = { error: { type, code, message: extra.message ?? message } };
  if (extra.param !== undefined) body.error.param = extra.param;
  return { statusCode: status, body };
}

export function okResponse(body: unknown): ApiResponse {
  return { statusCode: 200, body };
}
