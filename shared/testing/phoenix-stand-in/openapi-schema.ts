// Checks a JSON value against a schema of an OpenAPI document, the way Phoenix's own server
// (FastAPI, pydantic) checks a request body, and says what is wrong in Phoenix's words: a list of
// { loc, msg } like the `detail` of its 422 answer. It knows the JSON Schema keywords Phoenix's
// schemas for span annotations use: $ref, type, properties, required, enum, anyOf, items,
// additionalProperties. (Phoenix itself is laxer in one way: pydantic turns a numeric string
// such as "1" into the number 1. The schema says number, and so does this check.)

export type JsonSchema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
};

export interface OpenApiDocument {
  components: { schemas: Record<string, JsonSchema> };
}

export interface SchemaProblem {
  /** where, as Phoenix says it: ["body", "data", 0, "annotator_kind"] */
  loc: Array<string | number>;
  msg: string;
}

export function validateAgainst(document: OpenApiDocument, schema: JsonSchema, value: unknown, loc: Array<string | number> = ["body"]): SchemaProblem[] {
  if (schema.$ref) {
    const name = schema.$ref.replace("#/components/schemas/", "");
    const target = document.components.schemas[name];
    if (!target) throw new Error(`The OpenAPI document has no schema ${schema.$ref}.`);
    return validateAgainst(document, target, value, loc);
  }
  if (schema.anyOf) {
    const attempts = schema.anyOf.map((option) => validateAgainst(document, option, value, loc));
    return attempts.some((problems) => problems.length === 0) ? [] : attempts.flat();
  }
  const problems: SchemaProblem[] = [];
  if (schema.type && !hasType(value, schema.type)) return [{ loc, msg: `Input should be ${article(schema.type)}, got ${describe(value)}` }];
  if (schema.enum && !schema.enum.includes(value)) {
    return [{ loc, msg: `Input should be ${schema.enum.map((option) => JSON.stringify(option)).join(", ")}, got ${describe(value)}` }];
  }
  if (schema.type === "object" && isObject(value)) {
    for (const key of schema.required ?? []) if (!(key in value)) problems.push({ loc: [...loc, key], msg: "Field required" });
    for (const [key, item] of Object.entries(value)) {
      const property = schema.properties?.[key];
      if (property) problems.push(...validateAgainst(document, property, item, [...loc, key]));
      else if (schema.additionalProperties === false) problems.push({ loc: [...loc, key], msg: "Extra inputs are not permitted" });
      else if (typeof schema.additionalProperties === "object") problems.push(...validateAgainst(document, schema.additionalProperties, item, [...loc, key]));
    }
  }
  if (schema.type === "array" && Array.isArray(value) && schema.items) {
    value.forEach((item, index) => problems.push(...validateAgainst(document, schema.items!, item, [...loc, index])));
  }
  return problems;
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "string":
      return typeof value === "string";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "integer":
      return Number.isInteger(value);
    case "boolean":
      return typeof value === "boolean";
    case "null":
      return value === null;
    default:
      throw new Error(`This check does not know the JSON Schema type "${type}".`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function article(type: string): string {
  return { object: "an object", array: "an array", integer: "an integer", null: "null" }[type] ?? `a ${type}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value)}`;
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}
