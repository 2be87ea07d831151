/**
 * Headers a payment answer adds, merged with what the response already carries: a seller's own
 * `Access-Control-Expose-Headers` list is extended, not replaced, so its other headers stay
 * readable by browsers. Every other header is tollgate's to set.
 */
export function mergeHeaders(headers: Record<string, string>, current: (name: string) => unknown): Record<string, string> {
  const expose = headers['access-control-expose-headers']
  if (expose === undefined) return headers
  const existing = current('access-control-expose-headers')
  if (existing === undefined || existing === null || existing === '') return headers
  const names = new Map<string, string>()
  for (const name of `${String(existing)},${expose}`.split(',')) {
    const trimmed = name.trim()
    if (trimmed !== '' && !names.has(trimmed.toLowerCase())) names.set(trimmed.toLowerCase(), trimmed)
  }
  return { ...headers, 'access-control-expose-headers': [...names.values()].join(', ') }
}
