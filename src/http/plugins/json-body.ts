/**
 * JSON bodies, as Fastify parses them (prototype poisoning refused), after a
 * check of their depth on the text: a body nesting objects and arrays deeper
 * than `limits.jsonDepthMax` is refused before anything walks it (the schema
 * validator, the text screen, the Idempotency-Key hash). The size is bounded
 * before that, by Fastify's `bodyLimit`.
 */
import type { FastifyInstance } from 'fastify';
import { PaymentError } from '../../domain/errors.ts';
import { jsonNestsDeeperThan } from '../../domain/json-depth.ts';
import { limits } from '../../domain/limits.ts';

export function registerJsonBody(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (jsonNestsDeeperThan(text, limits.jsonDepthMax)) {
      done(new PaymentError('json_too_deep', { details: { depth_max: limits.jsonDepthMax } }), undefined);
      return;
    }
    parse(request, text, done);
  });
}
