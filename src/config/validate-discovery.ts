/**
 * Checks a route's `discovery` declaration: what challenges announce in `extensions.bazaar` and
 * v1 `outputSchema`, and what the listing shows. A facilitator cataloguing it validates the info
 * against the schema, so a malformed one would be dropped silently there: refuse it at setup.
 */
import { BODY_METHODS, BODY_TYPES, QUERY_METHODS } from '../discovery/bazaar.js'
import { isRecord, kindOf, show, unknownKeyProblems, type Problems } from './config-shape.js'

const DISCOVERY_KEYS = ['discoverable', 'method', 'input', 'inputSchema', 'bodyType', 'output'] as const
const OUTPUT_KEYS = ['example', 'schema'] as const
const METHODS: readonly string[] = [...QUERY_METHODS, ...BODY_METHODS]

export function discoveryProblems(discovery: unknown, path: string): Problems {
  if (!isRecord(discovery)) return [`${path} must be { discoverable?, method?, input?, inputSchema?, bodyType?, output? }, not ${kindOf(discovery)}`]
  const problems = unknownKeyProblems(discovery, DISCOVERY_KEYS, path)
  const { discoverable, method, input, inputSchema, bodyType, output } = discovery
  if (discoverable !== undefined && typeof discoverable !== 'boolean') problems.push(`${path}.discoverable must be true or false, not ${show(discoverable)}`)
  if (method !== undefined && !METHODS.includes(method as string)) problems.push(`${path}.method ${show(method)} must be one of ${METHODS.join(', ')}`)
  if (bodyType !== undefined && !(BODY_TYPES as readonly string[]).includes(bodyType as string)) problems.push(`${path}.bodyType ${show(bodyType)} must be one of ${BODY_TYPES.join(', ')}`)
  if (bodyType !== undefined && (QUERY_METHODS as readonly string[]).includes(method as string)) problems.push(`${path}.bodyType is for POST, PUT or PATCH routes, not ${show(method)}`)
  for (const [key, value] of [['input', input], ['inputSchema', inputSchema]] as const) {
    if (value !== undefined && !isJsonRecord(value)) problems.push(`${path}.${key} must be a JSON object, not ${kindOf(value)}`)
  }
  if (output !== undefined) {
    if (!isRecord(output)) problems.push(`${path}.output must be { example?, schema? }, not ${kindOf(output)}`)
    else {
      problems.push(...unknownKeyProblems(output, OUTPUT_KEYS, `${path}.output`))
      if (output.schema !== undefined && !isJsonRecord(output.schema)) problems.push(`${path}.output.schema must be a JSON object, not ${kindOf(output.schema)}`)
      if (output.example !== undefined && !isJson(output.example)) problems.push(`${path}.output.example must be JSON (no functions, bigints or cycles)`)
    }
  }
  return problems
}

function isJsonRecord(value: unknown): boolean {
  return isRecord(value) && isJson(value)
}

/** Serializable as sent: a function, bigint or cycle would break every challenge of the route. */
function isJson(value: unknown): boolean {
  try {
    return JSON.stringify(value) !== undefined
  } catch {
    return false
  }
}
