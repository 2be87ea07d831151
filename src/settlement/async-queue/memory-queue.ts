import type { Delivery, SettlementQueue } from './settlement-queue.js'
import type { QueuedSettlement } from './queued-settlement.js'

/**
 * A queue in this process's memory: nothing survives a restart, so it suits one process that can
 * accept losing the settlements queued at a crash (each such payment was served unpaid). Use
 * `redisSettlementQueue` for a durable queue shared by instances.
 */
export class MemorySettlementQueue implements SettlementQueue {
  readonly kind = 'memory'
  private readonly waiting = new Map<string, QueuedSettlement>()
  private readonly taken = new Map<string, QueuedSettlement>()
  private next = 0

  async add(job: QueuedSettlement): Promise<void> {
    this.waiting.set(String(this.next++), job)
  }

  async take(_consumer: string, count: number): Promise<Delivery[]> {
    const now = Date.now()
    const out: Delivery[] = []
    for (const [id, job] of this.waiting) {
      if (out.length >= count) break
      if ((job.notBefore ?? 0) > now) continue
      this.waiting.delete(id)
      this.taken.set(id, job)
      out.push({ id, job, redelivered: false })
    }
    return out
  }

  async done(delivery: Delivery): Promise<void> {
    this.taken.delete(delivery.id)
  }

  async retry(delivery: Delivery, job: QueuedSettlement): Promise<void> {
    this.taken.delete(delivery.id)
    this.waiting.set(String(this.next++), job)
  }

  async depth(): Promise<number> {
    return this.waiting.size + this.taken.size
  }
}

export function memorySettlementQueue(): SettlementQueue {
  return new MemorySettlementQueue()
}
