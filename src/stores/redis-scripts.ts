/**
 * The Lua scripts of the Redis store. A script runs atomically on the server, so a counter's read
 * and its write can never interleave with another instance's.
 */

/**
 * KEYS[1] counter, ARGV[1] limit, ARGV[2] lifetime in ms, ARGV[3] units to take (all or none).
 * Returns the units left, or -1 when fewer than that are left (nothing taken). INCRBY keeps the
 * key's expiry, so the lifetime runs from the first take only.
 */
export const TAKE_SCRIPT = `
local limit = tonumber(ARGV[1])
local units = tonumber(ARGV[3] or '1')
local current = redis.call('GET', KEYS[1])
if not current then
  if units > limit then return -1 end
  redis.call('SET', KEYS[1], units, 'PX', ARGV[2])
  return limit - units
end
local used = tonumber(current)
if not used then return redis.error_reply('tollgate: key holds a value, not a counter') end
if used + units > limit then return -1 end
redis.call('INCRBY', KEYS[1], units)
return limit - used - units
`

/**
 * KEYS[1] counter, ARGV[1] units to give back. Never below zero; a missing key stays missing;
 * DECRBY keeps the expiry.
 */
export const GIVE_BACK_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local used = tonumber(current)
if not used then return redis.error_reply('tollgate: key holds a value, not a counter') end
local units = math.min(tonumber(ARGV[1] or '1'), used)
if units > 0 then redis.call('DECRBY', KEYS[1], units) end
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
