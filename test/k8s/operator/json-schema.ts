// A JSON Schema (draft-07) validator for the subset the charts' values.schema.json files use:
// type, properties, required, additionalProperties, enum, minimum, maximum, minLength,
// maxLength, pattern, items, minItems, maxItems. Every problem is reported with its path.

export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function typeMatches(want: string, got: string): boolean {
  return want === got || (want === 'number' && got === 'integer');
}

/** Every way `value` breaks `schema`, as "path: problem" lines (empty when valid). */
export function validateJsonSchema(schema: JsonSchema, value: unknown, at = 'values'): string[] {
  const out: string[] = [];
  const got = typeOf(value);
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(t, got))) {
      out.push(`${at}: must be ${types.join(' or ')}, got ${got}`);
      return out;
    }
  }
  if (schema.enum !== undefined && !schema.enum.some((e) => e === value))
    out.push(`${at}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum)
      out.push(`${at}: must be >= ${schema.minimum}, got ${value}`);
    if (schema.maximum !== undefined && value > schema.maximum)
      out.push(`${at}: must be <= ${schema.maximum}, got ${value}`);
  }
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength)
      out.push(`${at}: must have at least ${schema.minLength} characters`);
    if (schema.maxLength !== undefined && value.length > schema.maxLength)
      out.push(`${at}: must have at most ${schema.maxLength} characters`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value))
      out.push(`${at}: "${value}" does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      out.push(`${at}: must have at least ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      out.push(`${at}: must have at most ${schema.maxItems} items`);
    if (schema.items !== undefined) {
      const items = schema.items;
      value.forEach((v, i) => out.push(...validateJsonSchema(items, v, `${at}[${i}]`)));
    }
  }
  if (got === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) out.push(`${at}.${r}: is required`);
    for (const [k, v] of Object.entries(obj)) {
      const prop = schema.properties?.[k];
      if (prop !== undefined) out.push(...validateJsonSchema(prop, v, `${at}.${k}`));
      else if (schema.additionalProperties === false) out.push(`${at}.${k}: is not allowed`);
      else if (typeof schema.additionalProperties === 'object')
        out.push(...validateJsonSchema(schema.additionalProperties, v, `${at}.${k}`));
    }
  }
  return out;
}
