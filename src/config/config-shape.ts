/**
 * Small checks shared by the configuration validators. Configuration often comes from JSON or
 * environment variables, where no type checker sees it, so every value is treated as unknown.
 */

export type Problems = string[]

/** A plain record to read keys from: an object that is neither null, an array nor a function. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * A short, safe rendering of a value for a problem message: never throws (bigints, cycles), never
 * long. Callers never pass secrets (keys, RPC URLs) here: those are named, not shown.
 */
export function show(value: unknown): string {
  let text: string
  if (typeof value === 'bigint') text = `${value}n`
  else if (typeof value === 'number') text = String(value)
  else if (typeof value === 'function') text = 'a function'
  else if (typeof value === 'symbol') text = value.toString()
  else if (value === undefined) text = 'undefined'
  else {
    try {
      text = JSON.stringify(value) ?? String(value)
    } catch {
      text = Array.isArray(value) ? 'an array' : 'an object'
    }
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** What a value is, in words: 'a number', 'null', 'an array'. */
export function kindOf(value: unknown): string {
  if (value === null || value === undefined) return String(value)
  if (Array.isArray(value)) return 'an array'
  const type = typeof value
  return type === 'object' ? 'an object' : `a ${type}`
}

/**
 * One problem per key that is not allowed, naming the allowed keys and, for a likely typo, the
 * key that was meant: a misspelt `setle` would otherwise be ignored and its default used.
 * `label` says whose key it is ('route', 'accepts[1]', 'defaults.hold').
 */
export function unknownKeyProblems(value: Record<string, unknown>, allowed: readonly string[], label: string): Problems {
  const problems: Problems = []
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue
    const guess = closest(key, allowed)
    const hint = guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ''
    problems.push(`${label}: unknown option ${show(key)}${hint}; allowed: ${allowed.join(', ')}`)
  }
  return problems
}

/** A positive whole number that JavaScript represents exactly. */
export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
}

/** An absolute http(s) URL. */
export function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false
  try {
    const url = new URL(value)
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== ''
  } catch {
    return false
  }
}

/** The allowed key within two edits of `key` (case ignored), if exactly one is closest. */
function closest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = 3
  for (const candidate of allowed) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length] as number
}
