/** JSON schemas more than one route uses. */

/** An amount in minor units; the bound keeps every sum of amounts exact in a JSON number. */
export const amountSchema = { type: 'integer', minimum: 1, maximum: 1_000_000_000_000 } as const;

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const byKeyQuerySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['idempotency_key'],
  properties: { idempotency_key: { type: 'string', minLength: 1, maxLength: 255 } },
} as const;
