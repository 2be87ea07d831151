/**
 * Dev-only timing of one benchmark server (SPANS_DIR set: bench/paid-spans.ts): every JSON-RPC call
 * the process makes (method, start, end, and what links it to a settlement transaction) and the
 * gate's verified/settled events, written to SPANS_DIR/<pid>.json when the process exits. Library
 * code is untouched: the calls are seen through the global fetch that viem's transport uses.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { keccak256, parseTransaction, type Hex } from 'viem'
import type { TollgateHooks } from '../../src/index.js'

export interface RpcSpan {
  method: string
  start: number
  end: number
  /** keccak of the call data (estimateGas, eth_call) or of the signed transaction's data (sends). */
  dataHash?: string
  /** The transaction a send carries or a receipt query asks for. */
  tx?: string
  /** A receipt query's answer held a receipt. */
  found?: boolean
  /** Calls folded into one HTTP request by the batching transport. */
  batch?: number
}

export interface GateSpan {
  kind: 'verified' | 'settled' | 'failed'
  at: number
  /** Milliseconds from receiving the payment (the event's latencyMs). */
  latencyMs: number
  transaction?: string
}

const now = () => performance.timeOrigin + performance.now()

export function installSpans(dir: string): TollgateHooks {
  const rpc: RpcSpan[] = []
  const gate: GateSpan[] = []
  const original = globalThis.fetch
  globalThis.fetch = async (input, init) => {
    const body = typeof init?.body === 'string' ? init.body : undefined
    if (!body || !body.includes('"jsonrpc"')) return original(input, init)
    const parsed = JSON.parse(body) as { method: string; params?: unknown[] } | { method: string; params?: unknown[] }[]
    const calls = Array.isArray(parsed) ? parsed : [parsed]
    const start = now()
    const response = await original(input, init)
    const text = await response.clone().text()
    const end = now()
    const answers = (() => {
      try {
        const a = JSON.parse(text) as unknown
        return Array.isArray(a) ? a : [a]
      } catch {
        return []
      }
    })() as { result?: unknown }[]
    calls.forEach((call, i) => {
      const span: RpcSpan = { method: call.method, start, end, ...(calls.length > 1 ? { batch: calls.length } : {}) }
      const p = call.params ?? []
      if (call.method.startsWith('eth_sendRawTransaction')) {
        const raw = p[0] as Hex
        span.tx = keccak256(raw)
        const data = parseTransaction(raw).data
        if (data) span.dataHash = keccak256(data)
      } else if (call.method === 'eth_estimateGas' || call.method === 'eth_call') {
        const data = (p[0] as { data?: Hex; input?: Hex } | undefined)?.data ?? (p[0] as { input?: Hex } | undefined)?.input
        if (data) span.dataHash = keccak256(data)
      } else if (call.method === 'eth_getTransactionReceipt') {
        span.tx = p[0] as string
        span.found = answers[i]?.result != null
      }
      rpc.push(span)
    })
    return response
  }
  process.on('exit', () => writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify({ rpc, gate })))
  return {
    onVerified: (e) => void gate.push({ kind: 'verified', at: now(), latencyMs: e.latencyMs }),
    onSettled: (e) => void gate.push({ kind: 'settled', at: now(), latencyMs: e.latencyMs, transaction: e.transaction }),
    onSettlementFailed: (e) => void gate.push({ kind: 'failed', at: now(), latencyMs: e.latencyMs, ...(e.transaction ? { transaction: e.transaction } : {}) }),
  }
}
