/** base64 of UTF-8 JSON, the encoding of every x402 header (standard alphabet, padded). */
export function encodeHeader(value: unknown): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(JSON.stringify(value))) binary += String.fromCharCode(byte)
  return btoa(binary)
}

export function decodeHeader<T>(header: string | null): T | undefined {
  if (!header) return undefined
  try {
    const binary = atob(header)
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0))
    return JSON.parse(new TextDecoder().decode(bytes)) as T
  } catch {
    return undefined
  }
}

/** Atomic units in token units, by string arithmetic (never floats): 100000, 6 -> '0.1'. */
export function formatUnits(atomic: bigint, decimals: number): string {
  const digits = atomic.toString().padStart(decimals + 1, '0')
  const whole = digits.slice(0, digits.length - decimals)
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '')
  return fraction ? `${whole}.${fraction}` : whole
}

export function randomHex(bytes: number): `0x${string}` {
  const values = crypto.getRandomValues(new Uint8Array(bytes))
  return `0x${Array.from(values, (b) => b.toString(16).padStart(2, '0')).join('')}`
}

export function shortAddress(address: string): string {
  return address.length > 12 ? `${address.slice(0, 6)}…${address.slice(-4)}` : address
}
