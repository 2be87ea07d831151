/**
 * Whether a request is a person's browser navigating (it ranks HTML above JSON), judged from
 * `Accept` alone. API clients send `*` / `application/json` or nothing, and both official buyers
 * send fetch's default `*\/*`: they rank the two equally, so they keep the JSON/header 402.
 */

/** Longest Accept header read; anything longer is not a browser's and gets the JSON answer. */
const MAX_ACCEPT_LENGTH = 2_048
const MAX_RANGES = 64

interface MediaRange {
  type: string
  subtype: string
  q: number
}

export function prefersHtml(accept: string | null | undefined): boolean {
  if (!accept || accept.length > MAX_ACCEPT_LENGTH) return false
  const ranges = parseAccept(accept)
  const html = quality(ranges, 'text', 'html')
  return html > 0 && html > quality(ranges, 'application', 'json')
}

function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = []
  for (const part of accept.split(',', MAX_RANGES)) {
    const [range = '', ...params] = part.split(';')
    const [type, subtype] = range.trim().toLowerCase().split('/')
    if (!type || !subtype) continue
    let q = 1
    for (const param of params) {
      const [name, value] = param.split('=').map((s) => s.trim())
      if (name?.toLowerCase() !== 'q') continue
      // RFC 9110 qvalue: 0 to 1 with at most three decimals; anything else makes the range unusable.
      q = value !== undefined && /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : 0
    }
    ranges.push({ type, subtype, q })
  }
  return ranges
}

/** The q of the most specific range matching type/subtype (RFC 9110 §12.5.1); 0 when none does. */
function quality(ranges: readonly MediaRange[], type: string, subtype: string): number {
  let best = -1
  let q = 0
  for (const range of ranges) {
    const specificity = range.type === type && range.subtype === subtype ? 2 : range.type === type && range.subtype === '*' ? 1 : range.type === '*' && range.subtype === '*' ? 0 : -1
    if (specificity > best) {
      best = specificity
      q = range.q
    }
  }
  return q
}
