/**
 * Decodes a payment header (standard base64 of UTF-8 JSON) defensively: the header is attacker
 * input, so size, alphabet, nesting depth and prototype-polluting keys are all checked before
 * anything else looks at it.
 */

import { base64ToUtf8, utf8ToBase64 } from './base64.js'

export const MAX_HEADER_BYTES = 16 * 1024
const MAX_DEPTH = 16
const STANDARD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

export type DecodeFailure = 'too_large' | 'not_base64' | 'not_json' | 'too_deep' | 'forbidden_key'
export type DecodeResult = { ok: true; value: unknown } | { ok: false; failure: DecodeFailure; detail: string }

export function decodePaymentHeader(header: string): DecodeResult {
  if (header.length > MAX_HEADER_BYTES) {
    return { ok: false, failure: 'too_large', detail: `header is ${header.length} bytes; the limit is ${MAX_HEADER_BYTES}` }
  }
  const text = header.trim()
  // The official decoders reject base64url; accepting it here would let one proof have two encodings.
  if (text === '' || !STANDARD_BASE64.test(text)) {
    return { ok: false, failure: 'not_base64', detail: 'header is not standard base64 (RFC 4648 §4, padded)' }
  }
  let json: string
  try {
    json = base64ToUtf8(text)
  } catch {
    return { ok: false, failure: 'not_json', detail: 'header does not decode to UTF-8 text' }
  }
  const depth = maxDepth(json)
  if (depth > MAX_DEPTH) return { ok: false, failure: 'too_deep', detail: `JSON nests ${depth} levels; the limit is ${MAX_DEPTH}` }
  let forbidden: string | undefined
  let value: unknown
  try {
    value = JSON.parse(json, (key, v: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) forbidden = key
      return v
    })
  } catch {
    return { ok: false, failure: 'not_json', detail: 'header does not decode to JSON' }
  }
  if (forbidden !== undefined) return { ok: false, failure: 'forbidden_key', detail: `JSON contains the key ${JSON.stringify(forbidden)}` }
  return { ok: true, value }
}

/** Nesting depth of a JSON text, counted without parsing so a deep document costs one linear scan. */
function maxDepth(json: string): number {
  let depth = 0
  let max = 0
  let inString = false
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++ // backslash: skip the escaped character
      else if (c === 0x22) inString = false
    } else if (c === 0x22) inString = true
    else if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth)
    else if (c === 0x7d || c === 0x5d) depth--
  }
  return max
}

/** Standard base64 of UTF-8 JSON, the encoding of every x402 header. */
export function encodeJsonHeader(value: unknown): string {
  return utf8ToBase64(JSON.stringify(value))
}
