/**
 * Values for the fuzzer: ones the API's schemas accept (drawn from the
 * OpenAPI description, with realistic values for the fields whose meaning a
 * schema cannot tell, such as a payment id or a test card), and odd ones
 * (wrong types, values just past each bound, Unicode edge cases).
 */
import type { SeededGenerator } from '../support/seeded.ts';
import type { World } from './world.ts';

export type Schema = Record<string, any>;

export const unicodeEdgeCases = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\udc00y', '😀', '👩‍👩‍👧‍👦', '\u202e' + 'evil', '\ufeff' + 'bom', 'e\u0301', '\uffff', '\ufffe',
  '\u{10ffff}', 'ﬀ', 'İı', 'ß', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢', '\u2028\u2029', '\r\n', '\t', '\u0085', '支付宝', '繁體中文', 'العربية', '\u200b', '\u00a0',
  '{param}', '{reason}', '%s%n', '${x}', '<script>alert(1)</script>', "' OR 1=1 --", '../../etc/passwd', '%00', '%', '\\', '"', '\\u0000',
  'NaN', 'Infinity', '-0', '1e309', 'null', 'true', '[]', '{}', '__proto__', 'constructor', 'prototype',
];

/** Cards of the bundled acquirer; the one that fails technically (4000000000000119) is left out, since its
 * retries would open the account's circuit breaker and turn later confirms into a 503 by design. */
export const testCards = [
  '4242424242424242', '5555555555554444', '6200000000000005', '4000000000000002', '4000000000009995', '4000000000009987', '4000000000009979',
  '4000000000006975', '4000000000000069', '4000000000000127', '4242424242424241', '4000002760003184', '4100000000000019',
];

const rarelySent = new Set(['otp', 'client_secret']);
/** Optional in the schema, but what the operation is for (a confirm without a payment method does nothing). */
const usuallySent = new Set(['payment_method']);

const patternSamples: Record<string, () => string[]> = {
  '^[A-Z]{3}$': () => ['CNY', 'CNY', 'CNY', 'USD', 'JPY', 'KWD', 'HKD', 'XXX'],
  '^https?://': () => ['https://shop.example/return', 'http://127.0.0.1/r'],
  '^[0-9]{12,19}$': () => testCards,
  '^[0-9]{3,4}$': () => ['123', '1234'],
  '^[0-9]{6}$': () => ['147258', '000000', '123456'],
  '^\\+?[0-9 ()-]{5,20}$': () => ['+86 138 0000 0000', '13800000000'],
  '^[^@\\s]+@[^@\\s]+$': () => ['payer@example.com', 'ops@shop.example'],
};

export class Values {
  private readonly random: SeededGenerator;
  private readonly world: World;

  constructor(random: SeededGenerator, world: World) {
    this.random = random;
    this.world = world;
  }

  /** An id for a resource (`payments` …), usually one that exists. */
  idFor(resource: string): string {
    const prefix = this.world.resourcePrefix.get(resource);
    const pool = prefix ? this.world.ids.get(prefix) : undefined;
    // The newest ids half the time: a payment just created is one a confirm, capture or cancel can still move.
    if (pool && pool.length > 0 && this.random.chance(0.45)) return this.random.pick(pool.slice(-10));
    if (pool && pool.length > 0 && this.random.chance(0.8)) return this.random.pick(pool);
    const anyPool = this.random.pick([...this.world.ids.values()]);
    if (anyPool && this.random.chance(0.5)) return this.random.pick(anyPool);
    return `${prefix ?? 'pay'}_${'0'.repeat(26)}`;
  }

  /** A value the schema accepts, most of the time (patterns and formats are sampled, not solved). */
  valid(schema: Schema | undefined, name: string, depth = 0): unknown {
    if (!schema) return this.random.pick(['x', 1, true]);
    const known = this.known(name, schema);
    if (known !== undefined) return known;
    if ('const' in schema) return schema.const;
    if (Array.isArray(schema.enum)) return this.random.pick(schema.enum);
    const choices = schema.oneOf ?? schema.anyOf;
    if (Array.isArray(choices)) return this.valid(this.random.pick(choices as Schema[]), name, depth);
    const type = Array.isArray(schema.type) ? this.random.pick(schema.type as string[]) : schema.type;
    switch (type) {
      case 'null':
        return null;
      case 'boolean':
        return this.random.chance(0.5);
      case 'integer':
      case 'number': {
        const min = Number(schema.minimum ?? schema.exclusiveMinimum ?? 0);
        const max = Math.min(Number(schema.maximum ?? min + 10_000), min + 10_000);
        const value = min + this.random.int(Math.max(1, max - min + 1));
        return type === 'number' && schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum ? min + 0.5 : value;
      }
      case 'string':
        return this.string(schema);
      case 'array': {
        const count = Math.max(Number(schema.minItems ?? 0), Math.min(Number(schema.maxItems ?? 2), this.random.int(3)));
        return Array.from({ length: count }, () => this.valid(schema.items as Schema, name, depth + 1));
      }
      default: {
        const properties = (schema.properties ?? {}) as Record<string, Schema>;
        const required = new Set<string>(schema.required ?? []);
        const result: Record<string, unknown> = {};
        for (const [key, child] of Object.entries(properties)) {
          // A one-time code or a client_secret changes what a request means: only now and then.
          const included = rarelySent.has(key) ? this.random.chance(0.05) : usuallySent.has(key) ? this.random.chance(0.9) : depth < 3 && this.random.chance(0.35);
          if (required.has(key) || included) result[key] = this.valid(child, key, depth + 1);
        }
        if (schema.additionalProperties && typeof schema.additionalProperties === 'object' && this.random.chance(0.5)) {
          result[`key_${this.random.int(5)}`] = this.valid(schema.additionalProperties as Schema, 'value', depth + 1);
        }
        return result;
      }
    }
  }

  /** Fields whose meaning the schema cannot tell: ids that exist, a test card, the wallet's PIN. */
  private known(name: string, schema: Schema): unknown {
    if (this.random.chance(0.1)) return undefined;
    switch (name) {
      case 'payment':
        return this.idFor('payments');
      case 'customer':
        return this.idFor('customers');
      case 'connector_account':
        return this.idFor('connector_accounts');
      case 'payment_method':
        return this.random.chance(0.6)
          ? { type: 'card', card: { number: this.random.pick(testCards), exp_month: 12, exp_year: new Date().getUTCFullYear() + 2, cvc: '123' } }
          : this.random.chance(0.5)
            ? { type: 'wallet', wallet: { pin: this.random.pick(['147258', '000000']) } }
            : { type: this.random.pick(['alipay', 'wechat_pay', 'unionpay']) };
      case 'amount':
      case 'unit_amount':
      case 'amount_to_capture':
        return schema.type === 'integer' ? this.random.pick([1, 100, 500, 1999, 10_000]) : undefined;
      case 'base_url':
        return this.random.pick(this.world.simulatorUrls);
      case 'client_secret':
        return this.random.pick([...this.world.clientSecrets.values()]);
      case 'from':
        return new Date(Date.now() - this.random.int(40) * 86_400_000).toISOString();
      case 'to':
        return new Date(Date.now() + this.random.int(3) * 86_400_000).toISOString();
      case 'enabled_events':
        return ['*'];
      case 'credentials':
        return { api_key: 'sk_sim_card_fuzz' };
      case 'time_zone':
        return this.random.pick(['Asia/Shanghai', 'UTC', 'America/New_York']);
      case 'locale':
        return this.random.pick(['en', 'zh-CN', 'zh-TW']);
      default:
        return undefined;
    }
  }

  private string(schema: Schema): string {
    if (typeof schema.pattern === 'string' && patternSamples[schema.pattern]) return this.random.pick(patternSamples[schema.pattern]!());
    if (schema.format === 'date-time') return new Date(Date.now() - this.random.int(10) * 86_400_000).toISOString();
    if (schema.format === 'email') return 'payer@example.com';
    const min = Number(schema.minLength ?? 1);
    const max = Math.min(Number(schema.maxLength ?? 20), 40);
    const length = Math.max(min, Math.min(max, 1 + this.random.int(12)));
    return this.random.pick(['tea', '乌龙茶', 'order-', 'Ünïcødé', 'x']).repeat(40).slice(0, length);
  }

  /** A value that the schema most likely refuses, or that sits on an edge of what it accepts. */
  odd(schema: Schema | undefined): unknown {
    const bounds: unknown[] = [];
    if (schema) {
      for (const key of ['minimum', 'maximum', 'exclusiveMinimum']) {
        if (typeof schema[key] === 'number') bounds.push(schema[key] - 1, schema[key], schema[key] + 1, schema[key] + 0.5);
      }
      for (const key of ['minLength', 'maxLength']) {
        if (typeof schema[key] === 'number') bounds.push('x'.repeat(Math.max(0, schema[key] - 1)), 'é'.repeat(schema[key] + 1), '😀'.repeat(schema[key]));
      }
    }
    const choice = this.random.int(10);
    if (choice < 3 && bounds.length > 0) return this.random.pick(bounds);
    if (choice < 6) return this.random.pick(unicodeEdgeCases);
    if (choice < 8) {
      return this.random.pick([0, -1, 1.5, -0, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 1e12, 1e12 + 1, 0.1, 4.9e-324]);
    }
    return this.random.pick<unknown>([null, true, false, [], {}, [null], { '': '' }, [[[]]], { constructor: { prototype: { admin: true } } }, 'x'.repeat(70_000)]);
  }
}
