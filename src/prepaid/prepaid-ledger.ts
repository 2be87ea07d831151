import type { Store } from '../stores/store.js'

/** What the seller knows about an issued credential, kept beside its counter. */
export interface CredentialRecord {
  id: string
  buyer: string
  package: string
  calls: number
  expiresAt: number
}

/** A purchase already answered: the same payment (with the same idempotency key) gets the same credential. */
export interface PurchaseRecord {
  credential: string
  credentialId: string
  package: string
  calls: number
  expiresAt: string
  idempotencyKeyHash: string
}

const PREFIX = 'tollgate:prepaid:'
const DAY_MS = 86_400_000

/**
 * The server-side state of prepaid credentials. Counters outlive their credentials by a day, so a
 * counter can never expire (and reset) while its credential still verifies.
 */
export class PrepaidLedger {
  constructor(private readonly store: Store) {}

  /** Takes `count` calls at once, or none: the calls left after it, or null when fewer than `count` are left. */
  take(id: string, limit: number, expiresAtMs: number, nowMs: number, count = 1): Promise<number | null> {
    return this.store.take(`${PREFIX}used:${id}`, limit, lifetime(expiresAtMs, nowMs), count)
  }

  giveBack(id: string, count = 1): Promise<void> {
    return this.store.giveBack(`${PREFIX}used:${id}`, count)
  }

  async used(id: string): Promise<number> {
    return Number((await this.store.get(`${PREFIX}used:${id}`)) ?? 0)
  }

  async isRevoked(id: string): Promise<boolean> {
    return (await this.store.get(`${PREFIX}revoked:${id}`)) !== null
  }

  revoke(id: string, expiresAtMs: number, nowMs: number): Promise<void> {
    return this.store.put(`${PREFIX}revoked:${id}`, '1', lifetime(expiresAtMs, nowMs))
  }

  saveCredential(record: CredentialRecord, nowMs: number): Promise<void> {
    return this.store.put(`${PREFIX}credential:${record.id}`, JSON.stringify(record), lifetime(record.expiresAt, nowMs))
  }

  async credential(id: string): Promise<CredentialRecord | null> {
    const raw = await this.store.get(`${PREFIX}credential:${id}`)
    return raw === null ? null : (JSON.parse(raw) as CredentialRecord)
  }

  savePurchase(paymentKey: string, record: PurchaseRecord, expiresAtMs: number, nowMs: number): Promise<void> {
    return this.store.put(`${PREFIX}purchase:${paymentKey}`, JSON.stringify(record), lifetime(expiresAtMs, nowMs))
  }

  /**
   * Remembers, before a purchase settles, the hash of its Idempotency-Key: if the settlement is left
   * unknown and resolved later, only a presentation with that key gets the credential.
   */
  bindPurchase(paymentKey: string, idempotencyKeyHash: string, nowMs: number): Promise<void> {
    return this.store.put(`${PREFIX}binding:${paymentKey}`, idempotencyKeyHash, lifetime(nowMs, nowMs))
  }

  purchaseBinding(paymentKey: string): Promise<string | null> {
    return this.store.get(`${PREFIX}binding:${paymentKey}`)
  }

  async purchase(paymentKey: string): Promise<PurchaseRecord | null> {
    const raw = await this.store.get(`${PREFIX}purchase:${paymentKey}`)
    return raw === null ? null : (JSON.parse(raw) as PurchaseRecord)
  }
}

function lifetime(expiresAtMs: number, nowMs: number): number {
  return Math.max(expiresAtMs - nowMs, 0) + DAY_MS
}
