/**
 * The Lua scripts of the Redis store. A script runs atomically on the server, so a counter's read
 * and its write can never interleave with another instance's.
 */

/**
 * KEYS[1] counter, ARGV[1] limit, ARGV[2] lifetime in ms. Returns the units left, or -1 when the
 * limit is spent. INCR keeps the key's expiry, so the lifetime runs from the first take only.
 */
export const TAKE_SCRIPT = `
local limit = tonumber(ARGV[1])
local current = redis.call('GET', KEYS[1])
if not current then
  if limit < 1 then return -1 end
  redis.call('SET', KEYS[1], 1, 'PX', ARGV[2])
  return limit - 1
end
local used = tonumber(current)
if not used then return redis.error_reply('tollgate: key holds a value, not a counter') end
if used >= limit then return -1 end
redis.call('INCR', KEYS[1])
return limit - used - 1
`

/** KEYS[1] counter. Gives one unit back, never below zero; a missing key stays missing; DECR keeps the expiry. */
export const GIVE_BACK_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local used = tonumber(current)
if not used then return redis.error_reply('tollgate: key holds a value, not a counter') end
if used > 0 then redis.call('DECR', KEYS[1]) end
return 0
`

export interface LuaScript {
  readonly source: string
  /** SHA-1 of the source, the name EVALSHA knows it by. */
  readonly sha: Promise<string>
}

export function luaScript(source: string): LuaScript {
  let sha: Promise<string> | undefined
  return {
    source,
    // Computed on first use, not at import: importing the store must not start work.
    get sha() {
      return (sha ??= hexDigest('SHA-1', source))
    },
  }
}

/** Web Crypto rather than node:crypto, so the store also runs where only Web APIs exist (edge runtimes). */
export async function hexDigest(algorithm: 'SHA-1' | 'SHA-256', text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest(algorithm, new TextEncoder().encode(text))
  let hex = ''
  for (const byte of new Uint8Array(digest)) hex += byte.toString(16).padStart(2, '0')
  return hex
}
