/**
 * Conversion of OpenAPI 3.x component schemas into plain JSON Schema (draft 2020-12) that Ajv
 * compiles in strict mode.
 *
 * OpenAPI adds keywords that JSON Schema validators do not know or read differently:
 * - `nullable: true` (OpenAPI 3.0, still used throughout OpenAI's 3.1 document) becomes a `"null"`
 *   member of `type` (and of `enum`), or an `anyOf` with `{type: "null"}` when there is no `type`.
 * - `discriminator` keeps only `propertyName`, because Ajv's `discriminator` option rejects
 *   `mapping`; the `oneOf` branches still say which value selects which branch.
 * - Annotations (`description`, `title`, `default`, `example`, `x-*` extensions, …) are dropped:
 *   they do not change what is valid, and Ajv would copy them into the generated code.
 * - `$ref: "#/components/schemas/Name"` becomes `$ref: "Name"`, and each collected schema gets
 *   `$id: "Name"`, so Ajv can resolve references across the separately added schemas.
 *
 * Pure functions, so the generator script and its tests share them.
 */

export type JsonSchema = boolean | JsonSchemaObject;

export interface JsonSchemaObject {
  [keyword: string]: unknown;
}

const COMPONENT_REF_PREFIX = '#/components/schemas/';

/** Keywords whose value is a map from names to sub-schemas. */
const SCHEMA_MAP_KEYWORDS = new Set(['properties', 'patternProperties', '$defs', 'dependentSchemas']);

/** Keywords whose value is one sub-schema. */
const SCHEMA_KEYWORDS = new Set([
  'items',
  'additionalProperties',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
  'unevaluatedProperties',
  'unevaluatedItems',
]);

/** Keywords whose value is an array of sub-schemas. */
const SCHEMA_ARRAY_KEYWORDS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);

/**
 * Annotations, which never affect validity, and `nullable`, which {@link makeNullable} rewrites.
 * `example`, `externalDocs` and `xml` are OpenAPI-only, and strict Ajv rejects them as unknown.
 */
const DROPPED_KEYWORDS = new Set([
  'nullable',
  'description',
  'title',
  'default',
  'deprecated',
  'readOnly',
  'writeOnly',
  'examples',
  'example',
  'externalDocs',
  'xml',
  '$comment',
]);

/**
 * Converts one OpenAPI schema object to JSON Schema.
 *
 * `onReference` receives the component name of every `$ref` met, so callers can collect the
 * transitive closure. Throws on a `$ref` outside `#/components/schemas/`, which the generated
 * validators could not resolve.
 */
export function convertOpenAPISchema(schema: unknown, onReference: (name: string) => void): JsonSchema {
  if (typeof schema === 'boolean') return schema;
  if (!isPlainObject(schema)) {
    throw new TypeError(`Expected an OpenAPI schema object, got ${JSON.stringify(schema)}.`);
  }

  const converted: JsonSchemaObject = {};
  for (const [keyword, value] of Object.entries(schema)) {
    if (keyword.startsWith('x-') || DROPPED_KEYWORDS.has(keyword)) continue;
    converted[keyword] = convertKeyword(keyword, value, onReference);
  }

  return schema.nullable === true ? makeNullable(converted) : converted;
}

/**
 * Collects the named component schemas and everything they reference, converted and keyed by
 * component name, in a stable order (roots first, then references in discovery order).
 */
export function collectComponentSchemas(
  components: Readonly<Record<string, unknown>>,
  roots: readonly string[],
): Map<string, JsonSchemaObject> {
  const collected = new Map<string, JsonSchemaObject>();
  const queue = [...roots];

  for (let index = 0; index < queue.length; index += 1) {
    const name = queue[index] as string;
    if (collected.has(name)) continue;

    const source = components[name];
    if (source === undefined) throw new Error(`Schema '${name}' is not defined in components.schemas.`);

    const converted = convertOpenAPISchema(source, (referenced) => {
      if (!collected.has(referenced)) queue.push(referenced);
    });
    if (typeof converted === 'boolean') throw new Error(`Schema '${name}' is a boolean schema, which cannot carry an $id.`);

    collected.set(name, { $id: name, ...converted });
  }

  return collected;
}

/** Lists every `format` value used by the given schemas, sorted. */
export function listFormats(schemas: Iterable<JsonSchemaObject>): string[] {
  const formats = new Set<string>();
  const visit = (schema: unknown): void => {
    if (!isPlainObject(schema)) return;
    for (const [keyword, value] of Object.entries(schema)) {
      if (keyword === 'format' && typeof value === 'string') formats.add(value);
      else forEachSubschema(keyword, value, visit);
    }
  };

  for (const schema of schemas) visit(schema);
  return [...formats].sort();
}

function convertKeyword(keyword: string, value: unknown, onReference: (name: string) => void): unknown {
  if (keyword === '$ref') return convertReference(value, onReference);

  if (keyword === 'discriminator') {
    if (!isPlainObject(value) || typeof value.propertyName !== 'string') {
      throw new TypeError(`Invalid discriminator ${JSON.stringify(value)}: propertyName must be a string.`);
    }
    return { propertyName: value.propertyName };
  }

  if (SCHEMA_MAP_KEYWORDS.has(keyword) && isPlainObject(value)) {
    const map: Record<string, JsonSchema> = {};
    for (const [name, subschema] of Object.entries(value)) map[name] = convertOpenAPISchema(subschema, onReference);
    return map;
  }

  if (SCHEMA_KEYWORDS.has(keyword) && (isPlainObject(value) || typeof value === 'boolean')) {
    return convertOpenAPISchema(value, onReference);
  }

  if (SCHEMA_ARRAY_KEYWORDS.has(keyword) && Array.isArray(value)) {
    return value.map((subschema) => convertOpenAPISchema(subschema, onReference));
  }

  return value;
}

function convertReference(value: unknown, onReference: (name: string) => void): string {
  if (typeof value !== 'string' || !value.startsWith(COMPONENT_REF_PREFIX)) {
    throw new Error(`Unsupported $ref ${JSON.stringify(value)}: only '${COMPONENT_REF_PREFIX}<Name>' is resolved.`);
  }

  const name = value.slice(COMPONENT_REF_PREFIX.length);
  onReference(name);
  return name;
}

/** Adds `null` to the accepted values, as OpenAPI's `nullable: true` means. */
function makeNullable(schema: JsonSchemaObject): JsonSchemaObject {
  const { type } = schema;

  if (typeof type === 'string' || Array.isArray(type)) {
    const types = typeof type === 'string' ? [type] : [...(type as string[])];
    const nullable: JsonSchemaObject = { ...schema, type: types.includes('null') ? types : [...types, 'null'] };
    if (Array.isArray(schema.enum) && !schema.enum.includes(null)) nullable.enum = [...schema.enum, null];
    return nullable;
  }

  // Without `type` the constraints sit in combinators or `enum`, so null gets its own branch.
  return { anyOf: [schema, { type: 'null' }] };
}

function forEachSubschema(keyword: string, value: unknown, visit: (schema: unknown) => void): void {
  if (SCHEMA_MAP_KEYWORDS.has(keyword) && isPlainObject(value)) Object.values(value).forEach(visit);
  else if (SCHEMA_KEYWORDS.has(keyword)) visit(value);
  else if (SCHEMA_ARRAY_KEYWORDS.has(keyword) && Array.isArray(value)) value.forEach(visit);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
