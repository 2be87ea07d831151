/**
 * Strips what may be secret from text bound for a log: RPC and facilitator URLs carry API keys in
 * their userinfo, path or query (`https://base.g.alchemy.com/v2/<key>`), so every URL is cut down to
 * its scheme, host and port. Buyers never see this text at all; logs may be shipped to third parties.
 */
const URL_PATTERN = /\b([a-z][a-z0-9+.-]*):\/\/(?:[^\s/?#@'"<>]*@)?([^\s/?#'"<>]+)[^\s'"<>]*/gi

export function redactUrls(text: string): string {
  return text.replace(URL_PATTERN, (_match, scheme: string, host: string) => `${scheme}://${host}/…`)
}

/** One URL as it may be logged: scheme, host and port only. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}/…`
  } catch {
    return '<invalid url>'
  }
}
