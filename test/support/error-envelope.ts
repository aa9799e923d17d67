/**
 * What makes an answer the API's error object (API.md): exactly the fields of
 * the envelope, a code from the catalog with its own status and type, and
 * filled texts. Shared by the integration tests and the fuzzer (test/fuzz),
 * so both hold every answer to one definition.
 */
import { errorCatalog, type ErrorCode } from '../../src/domain/errors.ts';
import { ErrorResponse } from '../../src/http/schemas.ts';

export const errorFields = ['code', 'decline_code', 'doc_url', 'message', 'param', 'payment', 'request_id', 'suggestion', 'type'];
const errorTypes = new Set([
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'idempotency_error',
  'rate_limit_error',
  'card_error',
  'payment_error',
  'connector_error',
  'api_error',
]);
/** Fields some errors add to the nine of API.md, as the OpenAPI description publishes them (`available` on insufficient_funds …). */
const optionalErrorFields = new Set(Object.keys(ErrorResponse.properties.error.properties).filter((field) => !errorFields.includes(field)));
export const placeholder = /\{\w+\}/;

/** What is wrong with an answer that should be a catalogued error; empty when nothing is. */
export function errorProblems(response: { status: number; body: unknown }): string[] {
  const problems: string[] = [];
  const body = response.body as { error?: Record<string, unknown> } | string;
  if (typeof body !== 'object' || body === null || typeof body.error !== 'object' || body.error === null) {
    return [`not an error object: ${JSON.stringify(body)?.slice(0, 200)}`];
  }
  if (Object.keys(body).length !== 1) problems.push(`extra top-level fields: ${Object.keys(body).join(',')}`);
  const error = body.error;
  for (const field of errorFields) if (!(field in error)) problems.push(`missing ${field}`);
  for (const field of Object.keys(error)) {
    if (!errorFields.includes(field) && !optionalErrorFields.has(field)) problems.push(`unexpected field ${field}`);
  }
  const code = error.code as string;
  if (!Object.hasOwn(errorCatalog, code)) return [...problems, `code not in the catalog: ${code}`];
  const definition = errorCatalog[code as ErrorCode];
  if (definition.status !== response.status) problems.push(`status ${response.status} but ${code} is ${definition.status}`);
  if (definition.type !== error.type || !errorTypes.has(error.type as string)) problems.push(`type ${String(error.type)}`);
  for (const field of ['message', 'suggestion'] as const) {
    const text = error[field];
    if (typeof text !== 'string' || text.trim() === '') problems.push(`empty ${field}`);
    else if (placeholder.test(text)) problems.push(`${field} keeps a placeholder: ${text}`);
  }
  if (error.decline_code !== null && typeof error.decline_code !== 'string') problems.push('decline_code neither null nor string');
  if (error.param !== null && typeof error.param !== 'string') problems.push('param neither null nor string');
  if (error.payment !== null && !/^pay_/.test(String(error.payment))) problems.push(`payment ${String(error.payment)}`);
  if (!/^req_[0-9a-z]{26}$/.test(String(error.request_id))) problems.push(`request_id ${String(error.request_id)}`);
  if (!String(error.doc_url).endsWith(`/docs/errors#${code}`)) problems.push(`doc_url ${String(error.doc_url)}`);
  return problems;
}
