/**
 * Every failure leaves as the API's error object: a code from the catalog,
 * its status and type, and a message and suggestion in the reader's
 * language. Validation errors are mapped onto `parameter_missing`,
 * `parameter_unknown` and `parameter_invalid`; anything unforeseen is
 * logged and answered as `internal_error`, never with its details.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PaymentError, errorCatalog, localizeError, payerVisibleDeclineCode, type ErrorCode } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { negotiateLocale, type Locale } from '../../domain/locale.ts';

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

export function registerErrorHandling(app: FastifyInstance, options: { publicBaseUrl: () => string }): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const paymentError = toPaymentError(error);
    if (paymentError.code === 'internal_error') request.log.error({ err: error }, 'unhandled error');
    return sendError(request, reply, paymentError, options.publicBaseUrl());
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      request,
      reply,
      new PaymentError('route_unknown', { details: { method: request.method, path: request.url.split('?')[0] ?? '' } }),
      options.publicBaseUrl(),
    ),
  );
}

export function sendError(request: FastifyRequest, reply: FastifyReply, error: PaymentError, publicBaseUrl: string) {
  const viewer = request.auth?.kind === 'publishable' ? 'payer' : 'merchant';
  // The router's own errors come before any hook has run: negotiate the language here too.
  const locale = request.locale ?? negotiateLocale(request.headers['accept-language']);
  if (error.code === 'rate_limited' && error.details.retry_after_seconds) {
    void reply.header('retry-after', String(error.details.retry_after_seconds));
  }
  return reply.code(errorCatalog[error.code].status).send(errorBody(error, { viewer, locale, requestId: request.id, publicBaseUrl }));
}

/** The API's error object for one error, as a viewer in one language reads it. */
export function errorBody(
  error: PaymentError,
  reader: { viewer: 'payer' | 'merchant'; locale: Locale; requestId: string; publicBaseUrl: string },
) {
  const definition = errorCatalog[error.code];
  const declineCode = error.declineCode && reader.viewer === 'payer' ? payerVisibleDeclineCode(error.declineCode) : error.declineCode;
  const text = localizeError(error.code, reader.locale, error.details, declineCode);
  const attemptsRemaining = error.details.attempts_remaining;
  return {
    error: {
      type: definition.type,
      code: error.code,
      decline_code: declineCode,
      message: text.message,
      suggestion: text.suggestion,
      param: error.param,
      payment: error.paymentId,
      request_id: reader.requestId,
      doc_url: `${reader.publicBaseUrl}/docs/errors#${error.code}`,
      ...(typeof attemptsRemaining === 'number' ? { attempts_remaining: attemptsRemaining } : {}),
      ...(error.details.unlocks_at ? { unlocks_at: error.details.unlocks_at } : {}),
      ...(typeof error.details.available_amount === 'number' ? { available: error.details.available_amount } : {}),
      ...(error.code === 'risk_rule_invalid' && typeof error.details.position === 'number' ? { position: error.details.position } : {}),
    },
  };
}

function toPaymentError(error: FastifyError): PaymentError {
  if (error instanceof PaymentError) return error;
  if (error.validation) return fromValidation(error.validation as ValidationIssue[], error.validationContext ?? 'body');
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PaymentError('body_too_large', { details: { bytes_max: limits.bodyBytesMax } });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new PaymentError('media_type_unsupported');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new PaymentError('json_invalid');
  }
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) return new PaymentError('json_invalid');
  if (error.statusCode === 413) return new PaymentError('body_too_large', { details: { bytes_max: limits.bodyBytesMax } });
  if (error.statusCode === 415) return new PaymentError('media_type_unsupported');
  return new PaymentError('internal_error');
}

/** Dotted path of a schema error, as merchants write it: `order.items.0.name`. */
function paramPath(instancePath: string, child?: unknown): string {
  const parts = instancePath.split('/').filter(Boolean);
  if (typeof child === 'string') parts.push(child);
  return parts.join('.');
}

const amountParams = new Set(['amount', 'amount_to_capture']);

function fromValidation(issues: ValidationIssue[], context: string): PaymentError {
  const issue = issues[0];
  if (!issue) return new PaymentError('parameter_invalid', { details: { reason: 'the request is malformed' } });
  if (issue.keyword === 'required') {
    return new PaymentError('parameter_missing', { param: paramPath(issue.instancePath, issue.params.missingProperty) });
  }
  if (issue.keyword === 'discriminator') {
    // Which variant (card, wallet …) the `type` names: unknown, or not a string.
    return new PaymentError('parameter_invalid', {
      param: paramPath(issue.instancePath, issue.params.tag),
      details: { reason: 'not a supported payment method type' },
    });
  }
  if (issue.keyword === 'additionalProperties') {
    return new PaymentError('parameter_unknown', { param: paramPath(issue.instancePath, issue.params.additionalProperty) });
  }
  const param = paramPath(issue.instancePath) || context;
  if (amountParams.has(param)) return new PaymentError('amount_invalid', { param });
  if (param === 'currency') return new PaymentError('currency_invalid', { param, details: { currency: '(not an ISO 4217 code)' } });
  const allowed = Array.isArray(issue.params.allowedValues) ? `: one of ${(issue.params.allowedValues as string[]).join(', ')}` : '';
  // A regular expression says nothing to a payer (and its braces look like placeholders).
  const reason = issue.keyword === 'pattern' ? 'it does not have the expected format' : `${issue.message ?? 'invalid'}${allowed}`;
  return new PaymentError('parameter_invalid', { param, details: { reason } });
}

export type { ErrorCode };
