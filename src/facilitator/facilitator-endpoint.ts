import { redactUrl, redactUrls } from '../errors/redact.js'

/**
 * A facilitator's base URL taken apart once: where each route is, the credentials the URL carries,
 * and what of it a log may show. Sellers put API keys in these URLs (userinfo, query, a path
 * segment), and an upstream answer may echo them back, so text about a call is scrubbed of them.
 */
export interface FacilitatorEndpoint {
  /** Scheme, host and port only (`https://f.example/…`): all of the URL a log or a detail may show. */
  readonly logName: string
  /** `Authorization: Basic …` from userinfo in the base URL, which fetch refuses to send itself. */
  readonly basicAuth?: string
  /** The URL of one route: appended to the base's path, its query kept, userinfo and fragment dropped. */
  url(route: string): string
  /** Removes the base URL's secrets and the given header values from text, then every URL's path and query. */
  scrub(text: string, headerValues?: Iterable<string>): string
}

/** Fragments shorter than this are not worth a secret's name, and cutting them would mangle ordinary words. */
const MIN_SECRET_LENGTH = 4
/** Path segments are names (`/facilitator`, `/v2`) unless they are long enough to be a key. */
const MIN_PATH_SECRET_LENGTH = 16

export function facilitatorEndpoint(base: string): FacilitatorEndpoint {
  const parsed = new URL(base)
  const username = safeDecode(parsed.username)
  const password = safeDecode(parsed.password)
  const basicAuth = username || password ? `Basic ${base64(`${username}:${password}`)}` : undefined
  const secrets = [username, password, parsed.username, parsed.password, ...(basicAuth ? [basicAuth.slice('Basic '.length)] : [])]
  if (parsed.search.length > 1) secrets.push(parsed.search.slice(1))
  for (const [, value] of parsed.searchParams) secrets.push(value)
  // The whole base path, as an answer may echo it without its host; and any segment long enough to be a key.
  const trimmedPath = parsed.pathname.replace(/\/+$/, '')
  secrets.push(trimmedPath, safeDecode(trimmedPath))
  for (const segment of parsed.pathname.split('/')) if (segment.length >= MIN_PATH_SECRET_LENGTH) secrets.push(segment, safeDecode(segment))
  const baseSecrets = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH)

  const clean = new URL(parsed.href)
  clean.username = ''
  clean.password = ''
  clean.hash = ''
  const basePath = clean.pathname.replace(/\/+$/, '')

  return {
    logName: redactUrl(clean.href),
    ...(basicAuth ? { basicAuth } : {}),
    url(route) {
      const target = new URL(clean.href)
      target.pathname = `${basePath}/${route}`
      return target.href
    },
    scrub(text, headerValues = []) {
      const fromHeaders = [...headerValues].flatMap((value) => [value, ...value.split(/\s+/)]).filter((s) => s.length >= MIN_SECRET_LENGTH)
      // Longest first, so a secret containing another is removed whole.
      const all = [...new Set([...baseSecrets, ...fromHeaders])].sort((a, b) => b.length - a.length)
      let scrubbed = text
      for (const secret of all) scrubbed = scrubbed.split(secret).join('…')
      return redactUrls(scrubbed)
    },
  }
}

/** UTF-8 then base64, as RFC 7617 asks, with what every runtime has (no Buffer on the edge). */
function base64(text: string): string {
  let binary = ''
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte)
  return btoa(binary)
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
