import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { cachedSerializerFactory, cachedValidatorCompiler } from './compiled-schemas.ts';

const route = (schema: unknown, url = '/v1/a') => ({ method: 'GET', url, httpStatus: '200', schema });
const amount = () => ({ type: 'object', properties: { amount: { type: 'integer' }, currency: { type: 'string' } } });

describe('serializers compiled once per distinct schema', () => {
  it('shares one serializer between routes whose schemas are equal, and never between different ones', () => {
    const compile = cachedSerializerFactory()({}, {});
    const first = compile(route(amount(), '/v1/a'));
    // Another object with the same content, as two routes declaring the same response build it.
    expect(compile(route(amount(), '/v1/b'))).toBe(first);
    const other = compile(route({ type: 'object', properties: { amount: { type: 'string' } } }));
    expect(other).not.toBe(first);
    expect(first({ amount: 12, currency: 'CNY', secret: 'x' })).toBe('{"amount":12,"currency":"CNY"}');
    expect(other({ amount: 12 })).toBe('{"amount":"12"}');
  });

  it('keeps a cache per factory call: another set of shared schemas compiles its own', () => {
    const factory = cachedSerializerFactory();
    const a = factory({}, {})(route(amount()));
    const b = factory({}, {})(route(amount()));
    expect(b).not.toBe(a);
  });
});

describe('validators compiled once per distinct schema', () => {
  it('shares a validator between equal schemas of one Ajv, and answers each call with its own errors', () => {
    const compile = cachedValidatorCompiler(new Ajv({ coerceTypes: false }));
    const first = compile(amount());
    expect(compile(amount())).toBe(first);
    expect(first({ amount: 1 })).toBe(true);
    expect(first({ amount: '1' })).toBe(false);
    expect(first.errors?.[0]?.instancePath).toBe('/amount');
    // A different Ajv (other coercion) never shares: its cache is its own.
    const coercing = cachedValidatorCompiler(new Ajv({ coerceTypes: 'array' }))(amount());
    expect(coercing).not.toBe(first);
    expect(coercing({ amount: '1' })).toBe(true);
  });
});
