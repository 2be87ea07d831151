/**
 * `tollgate/redis`: a Store shared by several seller instances. Kept off the main entry so sellers
 * on one process never load it; it imports no Redis client either way.
 */
export { MAX_RAW_KEY_BYTES, RedisStore, redisStore } from './stores/redis-store.js'
export type { IoredisLike, RedisStoreOptions, SendCommand } from './stores/redis-store.js'
export type { Store } from './stores/store.js'
export { RedisSettlementQueue, redisSettlementQueue } from './settlement/async-queue/redis-queue.js'
export type { RedisSettlementQueueOptions } from './settlement/async-queue/redis-queue.js'
