/**
 * Walks an OpenAPI document and lists what it leaves undocumented, one line per finding, so a
 * test can assert the list is empty and a failure names every gap at once.
 */
interface Schema {
  type?: string;
  format?: string;
  example?: unknown;
  $ref?: string;
  allOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Parameter {
  name: string;
  in: string;
  example?: unknown;
  schema?: Schema;
}
interface Operation {
  summary?: string;
  parameters?: Parameter[];
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
  /** Alternatives: any one requirement satisfied will do. */
  security?: Record<string, string[]>[];
}
export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: {
    schemas?: Record<string, Schema>;
    securitySchemes?: Record<string, Record<string, unknown>>;
  };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head'];
const ERROR_REF = '#/components/schemas/ErrorDto';
const isId = (name: string) => name === 'id' || /Id$/.test(name);

/** Every operation has a summary; every `/api` operation documents its errors in the error shape. */
export function operationFindings(document: OpenApiDocument): string[] {
  const findings: string[] = [];
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS.filter((name) => item[name])) {
      const operation = item[method];
      const where = `${method.toUpperCase()} ${path}`;
      if (typeof operation.summary !== 'string' || !operation.summary.trim())
        findings.push(`${where}: no summary`);
      if (!path.startsWith('/api')) continue;
      const statuses = Object.keys(operation.responses ?? {}).map(Number);
      const errors = statuses.filter((status) => status >= 400);
      const parameters = operation.parameters ?? [];
      const expected = [401, 403, 503];
      if (parameters.some((p) => p.in !== 'header') || operation.requestBody) expected.push(400);
      if (parameters.some((p) => p.in === 'path' && isId(p.name))) expected.push(404);
      if (operation.requestBody) expected.push(413, 415);
      for (const status of expected)
        if (!errors.includes(status)) findings.push(`${where}: no ${status} response documented`);
      for (const status of errors) {
        const schema = operation.responses?.[status].content?.['application/json']?.schema;
        if (schema?.$ref !== ERROR_REF) findings.push(`${where}: the ${status} response is not an ErrorDto`);
      }
      for (const parameter of parameters)
        findings.push(
          ...valueFindings(`${where} ${parameter.in} ${parameter.name}`, parameter.name, {
            ...parameter.schema,
            example: parameter.example ?? parameter.schema?.example,
          }),
        );
    }
  }
  return findings;
}

/** Every schema property has an example; integers are `integer`; ids are `format: uuid`. */
export function schemaFindings(document: OpenApiDocument): string[] {
  const findings: string[] = [];
  for (const [name, schema] of Object.entries(document.components?.schemas ?? {}))
    for (const [property, value] of Object.entries(schema.properties ?? {}))
      findings.push(...valueFindings(`${name}.${property}`, property, value));
  return findings;
}

/** A property (or parameter) schema. Properties that refer to another schema take its examples. */
function valueFindings(where: string, name: string, schema: Schema): string[] {
  const findings: string[] = [];
  const refers = schema.$ref || schema.allOf || schema.items?.$ref;
  if (!refers && schema.example === undefined) findings.push(`${where}: no example`);
  for (const type of [schema.type, schema.items?.type])
    if (type === 'number') findings.push(`${where}: typed number (integers are integer)`);
  if (isId(name) && schema.type === 'string' && schema.format !== 'uuid')
    findings.push(`${where}: an id without format uuid`);
  return findings;
}
