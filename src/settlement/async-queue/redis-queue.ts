import { ConfigurationError } from '../../errors/tollgate-error.js'
import type { IoredisLike, SendCommand } from '../../stores/redis-store.js'
import { luaScript, type LuaScript } from '../../stores/redis-scripts.js'
import { decodeJob, encodeJob, type QueuedSettlement } from './queued-settlement.js'
import type { Delivery, SettlementQueue } from './settlement-queue.js'

export interface RedisSettlementQueueOptions {
  /** How commands reach Redis, e.g. `(args) => client.sendCommand(args)` (node-redis). Give this or `client`. */
  sendCommand?: SendCommand
  /** An ioredis client, used through its `call` method. */
  client?: IoredisLike
  /** Prepended to the queue's keys (default `'tollgate:'`, as the store's). */
  prefix?: string
  /**
   * A job taken by a worker and not finished after this long is handed to another worker (the
   * first one died or stalled). Longer than one settlement can take (default 5 min).
   */
  claimIdleMs?: number
}

const GROUP = 'tollgate-settlers'

/** KEYS[1] delayed set, KEYS[2] stream, ARGV[1] now, ARGV[2] most to move: due retries join the stream. */
const PROMOTE = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, job in ipairs(due) do
  redis.call('XADD', KEYS[2], '*', 'job', job)
  redis.call('ZREM', KEYS[1], job)
end
return #due
`

/** KEYS[1] stream, ARGV[1] group, ARGV[2] entry id: finished. */
const FINISH = `
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`

/** KEYS[1] stream, KEYS[2] delayed set, ARGV[1] group, ARGV[2] entry id, ARGV[3] due time, ARGV[4] job: back in line, atomically. */
const RETRY = `
redis.call('ZADD', KEYS[2], tonumber(ARGV[3]), ARGV[4])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
return 1
`

/**
 * A durable settlement queue on Redis Streams with one consumer group: XADD to enqueue,
 * XREADGROUP to take new jobs, XAUTOCLAIM to take over jobs a dead worker left pending, and a
 * sorted set for retries not yet due. Every step that finishes or re-queues a job is one Lua script,
 * so a crash never leaves a job both finished and waiting. Needs Redis 6.2 or newer.
 * Chosen over a job library (BullMQ and the like): those hold their own connections and retry a
 * failed job by running it again, where a settlement must be resolved from the chain first.
 */
export class RedisSettlementQueue implements SettlementQueue {
  readonly kind = 'redis'
  private readonly send: SendCommand
  private readonly stream: string
  private readonly delayed: string
  private readonly claimIdleMs: number
  private readonly promote: LuaScript = luaScript(PROMOTE)
  private readonly finish: LuaScript = luaScript(FINISH)
  private readonly retryScript: LuaScript = luaScript(RETRY)
  private group: Promise<void> | undefined

  constructor(options: RedisSettlementQueueOptions) {
    const problems: string[] = []
    if (typeof options !== 'object' || options === null) throw new ConfigurationError(['redisSettlementQueue needs { client } (ioredis) or { sendCommand }'])
    if (options.sendCommand === undefined && (typeof options.client !== 'object' || typeof options.client?.call !== 'function')) {
      problems.push('redisSettlementQueue needs sendCommand, e.g. (args) => client.sendCommand(args), or an ioredis client')
    }
    if (options.prefix !== undefined && typeof options.prefix !== 'string') problems.push('redisSettlementQueue: prefix must be a string')
    const claimIdleMs = options.claimIdleMs ?? 300_000
    if (!Number.isSafeInteger(claimIdleMs) || claimIdleMs < 100) problems.push('redisSettlementQueue: claimIdleMs must be an integer number of milliseconds of at least 100')
    if (problems.length > 0) throw new ConfigurationError(problems)
    const client = options.client
    this.send = options.sendCommand ?? ((args) => (client as IoredisLike).call(...(args as [string, ...string[]])))
    const prefix = options.prefix ?? 'tollgate:'
    // One hash tag: both keys live in one slot, as a script touching both needs on a cluster.
    this.stream = `${prefix}{settlements}`
    this.delayed = `${prefix}{settlements}:delayed`
    this.claimIdleMs = claimIdleMs
  }

  async add(job: QueuedSettlement): Promise<void> {
    await this.ensureGroup()
    await this.send(['XADD', this.stream, '*', 'job', encodeJob(job)])
  }

  async take(consumer: string, count: number): Promise<Delivery[]> {
    await this.ensureGroup()
    await this.evaluate(this.promote, [this.delayed, this.stream], [String(Date.now()), String(count)])
    const fresh = entries(await this.send(['XREADGROUP', 'GROUP', GROUP, consumer, 'COUNT', String(count), 'STREAMS', this.stream, '>']), true)
    const out: Array<Omit<Delivery, 'job'> & { job: QueuedSettlement | null }> = fresh.map((e) => ({ ...e, redelivered: false }))
    if (out.length < count) {
      const claimed = (await this.send(['XAUTOCLAIM', this.stream, GROUP, consumer, String(this.claimIdleMs), '0-0', 'COUNT', String(count - out.length)])) as unknown[]
      out.push(...entries(claimed?.[1], false).map((e) => ({ ...e, redelivered: true })))
    }
    // An entry that is not a job (foreign or corrupted) can never be settled: it leaves the queue.
    for (const bad of out.filter((d) => d.job === null)) await this.evaluate(this.finish, [this.stream], [GROUP, bad.id])
    return out.filter((d): d is Delivery => d.job !== null)
  }

  async done(delivery: Delivery): Promise<void> {
    await this.evaluate(this.finish, [this.stream], [GROUP, delivery.id])
  }

  async retry(delivery: Delivery, job: QueuedSettlement): Promise<void> {
    await this.evaluate(this.retryScript, [this.stream, this.delayed], [GROUP, delivery.id, String(job.notBefore ?? Date.now()), encodeJob(job)])
  }

  async depth(): Promise<number> {
    const [length, delayed] = await Promise.all([this.send(['XLEN', this.stream]), this.send(['ZCARD', this.delayed])])
    return Number(length) + Number(delayed)
  }

  private ensureGroup(): Promise<void> {
    this.group ??= (async () => {
      try {
        await this.send(['XGROUP', 'CREATE', this.stream, GROUP, '0', 'MKSTREAM'])
      } catch (error) {
        if (!/BUSYGROUP/.test(error instanceof Error ? error.message : String(error))) throw error
      }
    })().catch((error: unknown) => {
      this.group = undefined
      throw error
    })
    return this.group
  }

  private async evaluate(script: LuaScript, keys: string[], args: string[]): Promise<unknown> {
    try {
      return await this.send(['EVALSHA', await script.sha, String(keys.length), ...keys, ...args])
    } catch (error) {
      if (!/NOSCRIPT/.test(error instanceof Error ? error.message : String(error))) throw error
      return this.send(['EVAL', script.source, String(keys.length), ...keys, ...args])
    }
  }
}

export function redisSettlementQueue(options: RedisSettlementQueueOptions): SettlementQueue {
  return new RedisSettlementQueue(options)
}

/**
 * Stream entries from an XREADGROUP reply (`[[stream, [[id, [field, value, …]], …]]]`) or from
 * XAUTOCLAIM's list of entries (`[[id, fields], …]`). A job that does not decode is kept with
 * `job: null` so the caller can drop it.
 */
function entries(reply: unknown, nested: boolean): Array<{ id: string; job: QueuedSettlement | null }> {
  if (!Array.isArray(reply)) return []
  const list = nested ? ((reply[0] as unknown[] | undefined)?.[1] as unknown[] | undefined) ?? [] : reply
  const out: Array<{ id: string; job: QueuedSettlement | null }> = []
  for (const entry of list) {
    if (!Array.isArray(entry) || entry.length < 2 || !Array.isArray(entry[1])) continue
    const fields = (entry[1] as unknown[]).map(text)
    const at = fields.indexOf('job')
    out.push({ id: text(entry[0]), job: at >= 0 && at + 1 < fields.length ? decodeJob(fields[at + 1]!) : null })
  }
  return out
}

function text(value: unknown): string {
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return new TextDecoder().decode(value)
  return String(value)
}
