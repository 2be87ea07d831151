/**
 * The page's Content-Security-Policy. Scripts run only with this response's nonce: the inlined
 * widget script, nothing else (no eval, no remote script). Styles may be inline, so a paid HTML
 * answer shown in place keeps its look; its scripts never run (see the widget). The page reads
 * nothing but its own origin (the paid retry, the prepaid endpoints) and shows images from its
 * origin, the seller's logo origin, and blob:/data: (a paid image, wallet icons).
 */
export function pageCsp(nonce: string, imageOrigins: readonly string[] = []): string {
  const images = ["'self'", 'data:', 'blob:', ...imageOrigins].join(' ')
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    `img-src ${images}`,
    "media-src 'self' blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "object-src 'none'",
  ].join('; ')
}

/** A fresh nonce per response: 16 random bytes, base64 (Web Crypto, so edge runtimes have it too). */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary)
}
