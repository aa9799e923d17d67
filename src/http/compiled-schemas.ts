/**
 * Request validators and response serializers, compiled once per distinct
 * schema rather than once per route.
 *
 * Fastify compiles a validator for each part of each route's request and a
 * fast-json-stringify serializer for each status of each route's response:
 * about 700 serializers here, of only 83 distinct schemas (a payment, a
 * refund, the error envelope … answered by many routes), and as many
 * validators of headers and queries that many routes share. Each compilation
 * keeps its own generated code: the API process held about 150 MB more than
 * it needed from its start (resident memory at rest 322 MB before, about 235 MB
 * with these caches; measured with the bench's API process, see
 * bench/README.md). Both caches are keyed by the schema's JSON text, and
 * each lives with one compiler (one Ajv instance and its options; one set of
 * shared schemas and serializer options), so nothing is shared between
 * compilations that could differ. A shared validator is safe: Fastify reads
 * its `errors` right after the synchronous call.
 */
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { Ajv, ValidateFunction } from 'ajv';

type SerializerFactory = ReturnType<typeof SerializerSelector>;

/** Fastify's own serializer factory (`@fastify/fast-json-stringify-compiler`) with a cache in front. */
export function cachedSerializerFactory(): SerializerFactory {
  const compilers = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = compilers(externalSchemas, options);
    return cachedBy((route) => route.schema, compile);
  };
}

/** `ajv.compile`, once per distinct schema. */
export function cachedValidatorCompiler(ajv: Ajv): (schema: object) => ValidateFunction {
  return cachedBy((schema) => schema, (schema) => ajv.compile(schema));
}

function cachedBy<In, Out>(schemaOf: (input: In) => unknown, compile: (input: In) => Out): (input: In) => Out {
  const compiled = new Map<string, Out>();
  return (input) => {
    const key = JSON.stringify(schemaOf(input));
    const known = compiled.get(key);
    if (known !== undefined) return known;
    const made = compile(input);
    compiled.set(key, made);
    return made;
  };
}
