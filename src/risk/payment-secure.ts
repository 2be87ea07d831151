/**
 * `X-PAYMENT-SECURE`: the buyer agent's W3C trace context, as agent-payment risk engines carry it:
 * `w3c.v1;tp=<traceparent>[;ts=<tracestate>]`. Parsed strictly: a risk engine decides on it, so a
 * header that is present but garbled is refused (see riskEngine), never guessed at.
 */
export interface PaymentSecure {
  /** The traceparent as sent (lowercase hex). */
  traceparent: string
  version: string
  /** 32 lowercase hex digits, not all zero. */
  traceId: string
  /** 16 lowercase hex digits, not all zero. */
  parentId: string
  /** 2 lowercase hex digits. */
  traceFlags: string
  /** The tracestate as sent, when one was (and not empty). */
  tracestate?: string
}

const PREFIX = 'w3c.v1;tp='
/** W3C: at most 32 list members; 512 characters is the size vendors must propagate at least, and our bound. */
const MAX_TRACESTATE = 512
const MAX_MEMBERS = 32
const MAX_HEADER = PREFIX.length + 55 + ';ts='.length + MAX_TRACESTATE

const HEX = /^[0-9a-f]+$/
const KEY = /^(?:[a-z][_0-9a-z\-*/]{0,255}|[a-z0-9][_0-9a-z\-*/]{0,240}@[a-z][_0-9a-z\-*/]{0,13})$/
// Printable ASCII but ',' and '=', not ending in a space (W3C tracestate value).
const VALUE = /^[\x20-\x2b\x2d-\x3c\x3e-\x7e]{0,255}[\x21-\x2b\x2d-\x3c\x3e-\x7e]$/

/** The parsed header, or undefined when it does not follow the format. */
export function parsePaymentSecure(header: string): PaymentSecure | undefined {
  if (header.length > MAX_HEADER || !header.startsWith(PREFIX)) return undefined
  const rest = header.slice(PREFIX.length)
  const cut = rest.indexOf(';')
  const traceparent = cut === -1 ? rest : rest.slice(0, cut)
  const parent = parseTraceparent(traceparent)
  if (!parent) return undefined
  if (cut === -1) return parent
  const tail = rest.slice(cut)
  if (!tail.startsWith(';ts=')) return undefined
  const tracestate = tail.slice(4)
  if (tracestate === '') return parent
  return validTracestate(tracestate) ? { ...parent, tracestate } : undefined
}

/**
 * version "-" trace-id "-" parent-id "-" trace-flags, lowercase hex. Version ff is invalid; version
 * 00 has exactly these four fields. A later version may append fields after a '-' (W3C: parse the
 * known prefix), which are kept in `traceparent` as sent.
 */
export function parseTraceparent(value: string): PaymentSecure | undefined {
  if (value.length < 55) return undefined
  const version = value.slice(0, 2)
  if (!HEX.test(version) || version === 'ff') return undefined
  if (version === '00' ? value.length !== 55 : value.length > 55 && value[55] !== '-') return undefined
  if (value[2] !== '-' || value[35] !== '-' || value[52] !== '-') return undefined
  const traceId = value.slice(3, 35)
  const parentId = value.slice(36, 52)
  const traceFlags = value.slice(53, 55)
  if (!HEX.test(traceId) || !HEX.test(parentId) || !HEX.test(traceFlags)) return undefined
  if (/^0+$/.test(traceId) || /^0+$/.test(parentId)) return undefined
  return { traceparent: value, version, traceId, parentId, traceFlags }
}

/** list-member *( OWS "," OWS list-member ), each key=value; empty members (",,") are allowed by W3C. */
function validTracestate(value: string): boolean {
  if (value.length > MAX_TRACESTATE) return false
  const members = value.split(',').map((m) => m.replace(/^[ \t]+|[ \t]+$/g, '')).filter((m) => m !== '')
  if (members.length === 0 || members.length > MAX_MEMBERS) return false
  const keys = new Set<string>()
  for (const member of members) {
    const eq = member.indexOf('=')
    if (eq <= 0) return false
    const key = member.slice(0, eq)
    if (!KEY.test(key) || !VALUE.test(member.slice(eq + 1)) || keys.has(key)) return false
    keys.add(key)
  }
  return true
}

/** `X-RISK-SESSION`: an opaque id of the buyer's risk session, 1 to 128 token characters. */
const SESSION = /^[A-Za-z0-9._~:+/=-]{1,128}$/

export function parseRiskSession(header: string): string | undefined {
  return SESSION.test(header) ? header : undefined
}
