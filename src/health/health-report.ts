import type { SolanaHealth } from './solana-check.js'

/**
 * What a health check says. Every part has a status: 'ok', 'degraded' (still taking payments, but
 * someone should look) or 'down' (payments are refused, so a load balancer should send traffic
 * elsewhere). The report is safe to show on the public internet: statuses, network names and
 * numbers only, never a URL, a key or an address.
 */
export type PartStatus = 'ok' | 'degraded' | 'down'

export interface StoreHealth {
  status: 'ok' | 'down'
}

export interface NetworkGas {
  /** The seller's name for the network, e.g. 'base-sepolia'. */
  network: string
  /** 'low': below the threshold; 'dry': cannot pay one settlement; 'unknown': the chain did not answer in time. */
  state: 'ok' | 'low' | 'dry' | 'unknown'
  /** The settler's native balance in wei (decimal string), null when it could not be read. */
  balance: string | null
  /** For an account of a settler pool: whether it takes new payments ('out': dry or stuck). */
  rotation?: 'in' | 'out'
}

export interface GasHealth {
  status: PartStatus
  /** One entry per network the settler has connected to (a network is connected when a route using it is built). */
  networks: NetworkGas[]
}

export interface FacilitatorHealth {
  status: PartStatus
  /** Facilitators that answered `/supported` in time. */
  reachable: number
  total: number
}

export interface PendingHealth {
  status: 'ok' | 'degraded'
  /** Settlements this process left unknown and has not seen resolved yet. */
  count: number
  /** Age of the oldest of them in milliseconds, null when there is none. */
  oldestAgeMs: number | null
}

export interface QueueHealth {
  status: 'ok' | 'degraded'
  /** Payments served before settlement ('async' routes) whose settlement waits or is in progress; null when the queue did not answer in time. */
  depth: number | null
}

export interface HealthReport {
  /** 'down' when any part is down, else 'degraded' when any part is, else 'ok'. */
  status: PartStatus
  checks: {
    store?: StoreHealth
    gas?: GasHealth
    facilitators?: FacilitatorHealth
    /** The Solana fee payer's SOL and the routes' token accounts, when a Solana settler is configured. */
    solana?: SolanaHealth
    /** The async settlement queue, when the tollgate has `asyncSettlement`. */
    queue?: QueueHealth
    pending: PendingHealth
  }
}

const RANK: Record<PartStatus, number> = { ok: 0, degraded: 1, down: 2 }

/** The worst of several statuses ('ok' for none). */
export function worst(statuses: readonly PartStatus[]): PartStatus {
  return statuses.reduce<PartStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok')
}
