import fc from 'fast-check';

/** The part of JSON Schema (as @fastify/swagger emits it from zod) the fuzz test generates values for. */
export interface JsonSchema {
  readonly $ref?: string;
  readonly type?: string | readonly string[];
  readonly enum?: readonly unknown[];
  readonly const?: unknown;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly exclusiveMaximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly format?: string;
}

export type Components = Readonly<Record<string, JsonSchema>>;

/** Any JSON value, small: the "wrong type entirely" case. */
export const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom(-1, 0, 1e308, -1e308, 2 ** 53, '', ' ', '0', '-1', 'NaN', 'Infinity', '../../etc/passwd', '\u0000', 'ß'.repeat(40)),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.integer(), { maxKeys: 3 }),
);

function resolve(schema: JsonSchema, components: Components): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = components[name];
  if (!target) throw new Error(`dangling $ref ${schema.$ref}`);
  return resolve(target, components);
}

/**
 * Values that satisfy `schema` most of the time (patterns are honoured where fast-check can, formats by
 * construction), so generated requests get past validation and reach the handlers, not only the 422 path.
 */
export function validValue(input: JsonSchema, components: Components, depth = 0): fc.Arbitrary<unknown> {
  const schema = resolve(input, components);
  if (depth > 6) return fc.constant(null);
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => validValue(s, components, depth + 1)));
  if (schema.allOf?.[0]) return validValue(schema.allOf[0], components, depth + 1);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => validValue({ ...schema, type }, components, depth + 1)));
  switch (types[0]) {
    case 'null':
      return fc.constant(null);
    case 'boolean':
      return fc.boolean();
    case 'integer': {
      const min = Math.max(schema.minimum ?? -1e6, Number.MIN_SAFE_INTEGER);
      const max = Math.min(schema.maximum ?? 1e6, Number.MAX_SAFE_INTEGER);
      return fc.oneof(
        fc.integer({ min: Math.ceil(min), max: Math.ceil(Math.min(max, min + 100)) }),
        fc.constantFrom(Math.ceil(min), Math.floor(max)),
      );
    }
    case 'number': {
      const min = schema.exclusiveMinimum ?? schema.minimum ?? -1e6;
      const max = schema.exclusiveMaximum ?? schema.maximum ?? 1e6;
      return fc.double({
        min,
        max,
        noNaN: true,
        noDefaultInfinity: true,
        minExcluded: schema.exclusiveMinimum !== undefined,
        maxExcluded: schema.exclusiveMaximum !== undefined,
      });
    }
    case 'string':
      return stringValue(schema);
    case 'array':
      return fc.array(schema.items ? validValue(schema.items, components, depth + 1) : junk, {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4),
      });
    case 'object':
      return objectValue(schema, components, depth);
    default:
      return junk;
  }
}

function stringValue(schema: JsonSchema): fc.Arbitrary<string> {
  if (schema.format === 'date-time') {
    return fc
      .date({ min: new Date(Date.UTC(2015, 0, 1)), max: new Date(Date.UTC(2030, 0, 1)), noInvalidDate: true })
      .map((d) => d.toISOString());
  }
  if (schema.format === 'email') return fc.emailAddress();
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.min(schema.maxLength ?? 24, 64);
  if (schema.pattern) {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Number.POSITIVE_INFINITY));
  }
  return fc.string({ minLength, maxLength: Math.max(minLength, maxLength) });
}

function objectValue(schema: JsonSchema, components: Components, depth: number): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const required = new Set(schema.required ?? []);
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(properties)) model[key] = validValue(sub, components, depth + 1);
  const known = fc.record(model, { requiredKeys: Object.keys(properties).filter((k) => required.has(k)) });
  if (typeof schema.additionalProperties === 'object') {
    const extra = fc.dictionary(fc.string({ minLength: 1, maxLength: 8 }), validValue(schema.additionalProperties, components, depth + 1), {
      maxKeys: 3,
    });
    return fc.tuple(known, extra).map(([k, e]) => ({ ...e, ...k }));
  }
  return known;
}

/**
 * Mostly-valid values with one defect now and then: a wrong type, a dropped required key, an unknown key, or a
 * boundary just outside the range. The fuzz test needs both: valid ones reach the handlers, invalid ones the edge.
 */
export function fuzzValue(schema: JsonSchema, components: Components): fc.Arbitrary<unknown> {
  const valid = validValue(schema, components);
  const resolved = resolve(schema, components);
  const defects: fc.Arbitrary<unknown>[] = [junk];
  if (resolved.type === 'object' || resolved.properties) {
    defects.push(
      fc
        .tuple(valid, fc.string({ minLength: 1, maxLength: 10 }), junk)
        .map(([v, key, value]) => (v && typeof v === 'object' ? { ...(v as object), [key]: value } : v)),
    );
    if (resolved.required?.length) {
      defects.push(
        fc.tuple(valid, fc.constantFrom(...resolved.required)).map(([v, key]) => {
          if (!v || typeof v !== 'object') return v;
          const copy = { ...(v as Record<string, unknown>) };
          delete copy[key];
          return copy;
        }),
      );
    }
  }
  if (resolved.maximum !== undefined) defects.push(fc.constant(resolved.maximum + 1));
  if (resolved.minimum !== undefined) defects.push(fc.constant(resolved.minimum - 1));
  return fc.oneof({ arbitrary: valid, weight: 3 }, { arbitrary: fc.oneof(...defects), weight: 1 });
}
