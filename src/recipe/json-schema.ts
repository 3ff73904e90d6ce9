/**
 * JSON Schema of the recipe document for `recotem schema`, generated from the same zod
 * schema the loader validates with. `source` is a discriminated union over every registered
 * plugin's config schema.
 */
import { z } from 'zod';
import { DataSourceError } from '../errors/index.js';
import { describeJsonSchema, type JsonSchemaObject, jsonSchemaOverride } from './coerce.js';
import { pathPolicyJsonSchemas } from './path-schema.js';
import { buildRecipeSchema } from './schema.js';
import type { ConfigSchemaLike, SourceTypeLookup } from './types.js';

const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

function isZodSchema(schema: ConfigSchemaLike): schema is ConfigSchemaLike & z.ZodType {
  return typeof schema === 'object' && schema !== null && '_zod' in schema;
}

function toJson(schema: z.ZodType): JsonSchemaObject {
  return z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
    override: jsonSchemaOverride,
  }) as JsonSchemaObject;
}

/** A plugin config's JSON Schema with `type` pinned to the plugin's literal name and required. */
function configJsonSchema(typeName: string, schema: ConfigSchemaLike, defs: Record<string, unknown>): JsonSchemaObject {
  let json: JsonSchemaObject = { type: 'object' };
  if (isZodSchema(schema)) json = toJson(schema);
  else if (typeof (schema as { toJSONSchema?: unknown }).toJSONSchema === 'function') {
    json = (schema as unknown as { toJSONSchema(): JsonSchemaObject }).toJSONSchema();
  }
  const { $schema: _dialect, $defs, ...rest } = json;
  if ($defs && typeof $defs === 'object') {
    for (const [name, def] of Object.entries($defs)) if (!(name in defs)) defs[name] = def;
  }
  const properties = { ...((rest.properties as Record<string, unknown> | undefined) ?? {}) };
  const declaredType = properties.type as JsonSchemaObject | undefined;
  properties.type = {
    ...(declaredType && 'default' in declaredType ? { default: declaredType.default } : {}),
    type: 'string',
    const: typeName,
  };
  const required = new Set<string>((rest.required as string[] | undefined) ?? []);
  required.add('type');
  return { ...rest, type: 'object', properties, required: [...required] };
}

function pointerSegment(name: string): string {
  return encodeURIComponent(name.replace(/~/g, '~0').replace(/\//g, '~1'));
}

/** Definition name of a source type's config in `$defs`. */
export function sourceConfigDefName(typeName: string): string {
  return `${typeName}SourceConfig`;
}

/** The recipe JSON Schema with `source` as a union over every registered plugin config. */
export function recipeJsonSchema(registry: SourceTypeLookup): JsonSchemaObject {
  const types = registry.knownTypes();
  if (types.length === 0) throw new DataSourceError('No DataSource plugins are registered.');
  const sourcePlaceholder = describeJsonSchema(z.any(), {});
  const json = toJson(buildRecipeSchema(sourcePlaceholder));
  const defs: Record<string, unknown> = { ...((json.$defs as Record<string, unknown> | undefined) ?? {}) };
  const members: JsonSchemaObject[] = [];
  for (const typeName of types) {
    const info = registry.get(typeName);
    if (!info) continue;
    const defName = sourceConfigDefName(typeName);
    defs[defName] = configJsonSchema(typeName, info.configSchema, defs);
    const ref = `#/$defs/${pointerSegment(defName)}`;
    members.push({ $ref: ref });
  }
  const properties = json.properties as Record<string, JsonSchemaObject>;
  // No `mapping`: it is OpenAPI-only and validators such as ajv refuse it.
  properties.source = { type: 'object', oneOf: members, discriminator: { propertyName: 'type' } };
  applyPathPolicy(properties, defs, types);
  const required = new Set<string>((json.required as string[] | undefined) ?? []);
  required.add('source');
  const { $schema: _dialect, $defs: _defs, ...body } = json;
  return {
    $schema: JSON_SCHEMA_DIALECT,
    title: 'Recotem recipe',
    ...body,
    required: [...required],
    $defs: defs,
  };
}

/** Adds the path-policy rules (schemes, `::`, credentials) to every path field they apply to. */
function applyPathPolicy(
  properties: Record<string, JsonSchemaObject>,
  defs: Record<string, unknown>,
  types: readonly string[],
): void {
  const policy = pathPolicyJsonSchemas();
  const constrain = (object: JsonSchemaObject | undefined, extra: JsonSchemaObject) => {
    const props = object?.properties as Record<string, JsonSchemaObject> | undefined;
    if (props?.path) props.path = { allOf: [props.path, extra] };
  };
  constrain(properties.output, policy.output);
  constrain(nullableObject(properties.item_metadata), policy.input);
  for (const typeName of types) constrain(defs[sourceConfigDefName(typeName)] as JsonSchemaObject, policy.input);
}

/** The object branch of a `T | null` schema. */
function nullableObject(schema: JsonSchemaObject | undefined): JsonSchemaObject | undefined {
  const options = (schema?.anyOf ?? schema?.oneOf) as JsonSchemaObject[] | undefined;
  return options?.find((o) => o.type === 'object') ?? schema;
}
