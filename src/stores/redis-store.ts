import { ConfigurationError } from '../errors/tollgate-error.js'
import { GIVE_BACK_SCRIPT, hexDigest, luaScript, TAKE_SCRIPT, type LuaScript } from './redis-scripts.js'
import { unitCount, type Store } from './store.js'

/**
 * Sends one Redis command and resolves with its reply, e.g. `(args) => client.sendCommand(args)`
 * with node-redis or `(args) => client.call(...args)` with ioredis. Taking a function instead of a
 * client keeps tollgate free of any Redis dependency and of any one client's version.
 */
export type SendCommand = (args: string[]) => Promise<unknown>

/** The part of an ioredis client the store uses. */
export interface IoredisLike {
  call(command: string, ...args: string[]): Promise<unknown>
}

export interface RedisStoreOptions {
  /** How commands reach Redis. Give this or `client`. */
  sendCommand?: SendCommand
  /** An ioredis client, used through its `call` method. */
  client?: IoredisLike
  /** Prepended to every key, so several applications can share one Redis (default `'tollgate:'`). */
  prefix?: string
}

/** Keys longer than this (in UTF-8 bytes) are stored under their SHA-256, so no caller can make Redis hold huge keys. */
export const MAX_RAW_KEY_BYTES = 200

/**
 * A Store shared by every instance of a seller. Every operation is one Redis command or one Lua
 * script, so it is atomic across processes: there is no read in Node followed by a write.
 * Errors are thrown as the client reports them; the gate bounds each call and turns any failure
 * into 503 store_unavailable. `close()` leaves the client open: the seller owns it.
 */
export class RedisStore implements Store {
  readonly kind = 'redis'
  readonly prefix: string
  private readonly send: SendCommand
  private readonly takeScript: LuaScript = luaScript(TAKE_SCRIPT)
  private readonly giveBackScript: LuaScript = luaScript(GIVE_BACK_SCRIPT)

  constructor(options: RedisStoreOptions | IoredisLike) {
    const problems: string[] = []
    const opts: RedisStoreOptions = isIoredis(options) ? { client: options } : (options ?? {})
    if (opts.sendCommand !== undefined && typeof opts.sendCommand !== 'function') problems.push('redisStore: sendCommand must be a function')
    if (opts.client !== undefined && !isIoredis(opts.client)) problems.push('redisStore: client must be an ioredis client (it has no call method)')
    if (opts.sendCommand === undefined && opts.client === undefined) {
      problems.push('redisStore needs sendCommand, e.g. (args) => client.sendCommand(args), or an ioredis client')
    }
    if (opts.prefix !== undefined && typeof opts.prefix !== 'string') problems.push('redisStore: prefix must be a string')
    if (problems.length > 0) throw new ConfigurationError(problems)
    const client = opts.client
    this.send = opts.sendCommand ?? ((args) => (client as IoredisLike).call(...(args as [string, ...string[]])))
    this.prefix = opts.prefix ?? 'tollgate:'
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    const reply = await this.send(['SET', await this.redisKey(key), '1', 'NX', 'PX', millis(ttlMs)])
    if (reply === null || reply === undefined) return false
    if (text(reply) === 'OK') return true
    throw unexpected('SET NX', reply)
  }

  async release(key: string): Promise<void> {
    await this.send(['DEL', await this.redisKey(key)])
  }

  async take(key: string, limit: number, ttlMs: number, count = 1): Promise<number | null> {
    const units = String(unitCount(count))
    const reply = await this.evaluate(this.takeScript, await this.redisKey(key), [String(limit), millis(ttlMs), units])
    if (reply === null || reply === undefined) return null
    const left = Number(reply)
    if (!Number.isInteger(left)) throw unexpected('take', reply)
    return left < 0 ? null : left
  }

  async giveBack(key: string, count = 1): Promise<void> {
    const units = String(unitCount(count))
    await this.evaluate(this.giveBackScript, await this.redisKey(key), [units])
  }

  async get(key: string): Promise<string | null> {
    const reply = await this.send(['GET', await this.redisKey(key)])
    return reply === null || reply === undefined ? null : text(reply)
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    await this.send(['SET', await this.redisKey(key), value, 'PX', millis(ttlMs)])
  }

  async close(): Promise<void> {}

  /**
   * The Redis key of a store key: the prefix, then the key itself when short, else 'h:' and its
   * SHA-256. Short keys that already start with 'h:' are hashed too, so no raw key can ever
   * coincide with a hashed one.
   */
  async redisKey(key: string): Promise<string> {
    const bytes = new TextEncoder().encode(key).length
    if (bytes <= MAX_RAW_KEY_BYTES && !key.startsWith('h:')) return this.prefix + key
    return `${this.prefix}h:${await hexDigest('SHA-256', key)}`
  }

  /** EVALSHA, so the script's text is not sent every time; EVAL when the server has not seen it (restart, SCRIPT FLUSH). */
  private async evaluate(script: LuaScript, key: string, args: string[]): Promise<unknown> {
    try {
      return await this.send(['EVALSHA', await script.sha, '1', key, ...args])
    } catch (error) {
      if (!/NOSCRIPT/.test(error instanceof Error ? error.message : String(error))) throw error
      return this.send(['EVAL', script.source, '1', key, ...args])
    }
  }
}

export function redisStore(options: RedisStoreOptions | IoredisLike): RedisStore {
  return new RedisStore(options)
}

function isIoredis(value: unknown): value is IoredisLike {
  return typeof value === 'object' && value !== null && typeof (value as { call?: unknown }).call === 'function'
}

/** Redis wants a positive whole number of milliseconds; a fraction or zero would be a syntax error. */
function millis(ttlMs: number): string {
  return String(Math.max(1, Math.ceil(ttlMs)))
}

/** Clients configured to return buffers give bytes; everything else gives strings. */
function text(reply: unknown): string {
  if (typeof reply === 'string') return reply
  if (reply instanceof Uint8Array) return new TextDecoder().decode(reply)
  return String(reply)
}

function unexpected(operation: string, reply: unknown): Error {
  return new TypeError(`redis store: unexpected reply to ${operation}: ${JSON.stringify(String(reply))}`)
}
