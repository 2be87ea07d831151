/**
 * Base64 of UTF-8 through Web APIs only (atob/btoa, TextEncoder), so the core runs unchanged on
 * Node, edge runtimes, Deno, Bun and Workers, none of which share Node's Buffer.
 */

const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
const utf8 = new TextEncoder()

/** Decodes standard base64 to a UTF-8 string; throws on invalid UTF-8. The caller checks the alphabet. */
export function base64ToUtf8(base64: string): string {
  const binary = atob(base64)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return strictUtf8.decode(bytes)
}

export function utf8ToBase64(text: string): string {
  const bytes = utf8.encode(text)
  let binary = ''
  // Chunked so long texts never exceed the engine's argument-count limit.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}
