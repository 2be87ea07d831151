/**
 * The x402 `bazaar` discovery extension (v2 PAYMENT-REQUIRED `extensions.bazaar`) and its v1 form
 * (`outputSchema` of each requirement), built exactly as the official `declareDiscoveryExtension`
 * followed by its server's `enrichDeclaration` (which fixes the HTTP method), so facilitators that
 * catalogue paid resources read tollgate's routes like the official middleware's.
 */

export const QUERY_METHODS = ['GET', 'HEAD', 'DELETE'] as const
export const BODY_METHODS = ['POST', 'PUT', 'PATCH'] as const
export const BODY_TYPES = ['json', 'form-data', 'text'] as const
export type DiscoveryMethod = (typeof QUERY_METHODS)[number] | (typeof BODY_METHODS)[number]

/** A route's discovery declaration: the official `declareDiscoveryExtension` config, plus `discoverable`, `method` and `description`. */
export interface DiscoveryOptions {
  /** false: the route is neither announced in challenges nor listed (default true). */
  discoverable?: boolean
  /** The HTTP method buyers call (default: the method of the request being challenged). */
  method?: DiscoveryMethod
  /** Example query parameters (GET, HEAD, DELETE) or body (POST, PUT, PATCH). */
  input?: Record<string, unknown>
  /** JSON Schema keywords (`properties`, `required`) of the query parameters or body. */
  inputSchema?: Record<string, unknown>
  /** The body's encoding; a POST, PUT or PATCH route without it is taken as 'json'. */
  bodyType?: (typeof BODY_TYPES)[number]
  output?: { example?: unknown; schema?: Record<string, unknown> }
}

const SCHEMA_DRAFT = 'https://json-schema.org/draft/2020-12/schema'

export function isBodyMethod(method: string): boolean {
  return (BODY_METHODS as readonly string[]).includes(method)
}

export function isDiscoveryMethod(method: string): method is DiscoveryMethod {
  return isBodyMethod(method) || (QUERY_METHODS as readonly string[]).includes(method)
}

/** `extensions.bazaar` of a v2 challenge for a route called with `method`. */
export function bazaarExtension(options: DiscoveryOptions, method: DiscoveryMethod): Record<string, unknown> {
  const input = options.input ?? {}
  const inputSchema = options.inputSchema ?? { properties: {} }
  const output = options.output?.example ? { output: { type: 'json', example: options.output.example } } : {}
  const outputSchema = options.output?.example
    ? { output: { type: 'object', properties: { type: { type: 'string' }, example: { type: 'object', ...(options.output.schema ?? {}) } }, required: ['type'] } }
    : {}
  const methodSchema = { type: 'string', enum: [method] }
  if (isBodyMethod(method) || options.bodyType) {
    const bodyType = options.bodyType ?? 'json'
    return {
      info: { input: { type: 'http', method, bodyType, body: input }, ...output },
      schema: {
        $schema: SCHEMA_DRAFT,
        type: 'object',
        properties: {
          input: {
            type: 'object',
            properties: { type: { type: 'string', const: 'http' }, method: methodSchema, bodyType: { type: 'string', enum: [...BODY_TYPES] }, body: inputSchema },
            required: ['type', 'method', 'bodyType', 'body'],
            additionalProperties: false,
          },
          ...outputSchema,
        },
        required: ['input'],
      },
    }
  }
  return {
    info: { input: { type: 'http', method, queryParams: input }, ...output },
    schema: {
      $schema: SCHEMA_DRAFT,
      type: 'object',
      properties: {
        input: {
          type: 'object',
          properties: { type: { type: 'string', const: 'http' }, method: methodSchema, queryParams: { type: 'object', ...inputSchema } },
          required: ['type', 'method'],
          additionalProperties: false,
        },
        ...outputSchema,
      },
      required: ['input'],
    },
  }
}

/** The v1 `outputSchema` of a requirement, as x402 v1 middleware wrote it and v1 catalogues read it. */
export function v1OutputSchema(options: DiscoveryOptions, method: DiscoveryMethod): Record<string, unknown> {
  const body = isBodyMethod(method) || options.bodyType
  const fields = body ? { bodyType: options.bodyType ?? 'json', bodyFields: options.input ?? {} } : { queryParams: options.input ?? {} }
  const output = options.output?.schema ?? options.output?.example
  return { input: { type: 'http', method, discoverable: true, ...fields }, ...(output !== undefined ? { output } : {}) }
}
