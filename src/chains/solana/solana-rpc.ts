import { redactUrls } from '../../errors/redact.js'
import { ChainUnavailableError } from '../../errors/tollgate-error.js'

/**
 * A JSON-RPC answer that carried an `error` object: the node answered, and refused. Unlike a
 * ChainUnavailableError, this is a verdict about the request.
 */
export class SolanaRpcError extends Error {
  constructor(
    readonly rpcCode: number,
    message: string,
  ) {
    super(message)
    this.name = 'SolanaRpcError'
  }
}

/**
 * Why the call got no answer: `refused` when the connection was never made (the request provably
 * reached no node), `lost` otherwise (timeout, reset, HTTP error: it may have arrived).
 */
export class SolanaUnreachableError extends ChainUnavailableError {
  constructor(
    message: string,
    readonly delivery: 'refused' | 'lost',
  ) {
    super(message)
  }
}

export type SolanaRpcCall = <T>(method: string, params: unknown[]) => Promise<T>

/**
 * A fetch-based JSON-RPC client (works in Node, edge runtimes and browsers), each call bounded by
 * `timeoutMs`. Every message it throws is free of the endpoint's URL, which often carries an API key.
 */
export function solanaRpc(url: string, timeoutMs: number): SolanaRpcCall {
  let id = 0
  return async <T>(method: string, params: unknown[]): Promise<T> => {
    let response: Response
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
        signal: AbortSignal.timeout(timeoutMs),
      })
    } catch (error) {
      throw new SolanaUnreachableError(`Solana RPC ${method}: ${describe(error)}`, refusedConnection(error) ? 'refused' : 'lost')
    }
    let body: { result?: T; error?: { code?: unknown; message?: unknown } }
    try {
      if (!response.ok) throw new Error(`HTTP ${response.status}`)
      body = (await response.json()) as typeof body
    } catch (error) {
      throw new SolanaUnreachableError(`Solana RPC ${method}: ${describe(error)}`, 'lost')
    }
    if (body && typeof body === 'object' && body.error) {
      const code = typeof body.error.code === 'number' ? body.error.code : 0
      throw new SolanaRpcError(code, redactUrls(`Solana RPC ${method}: ${String(body.error.message ?? 'error').slice(0, 300)}`))
    }
    if (!body || typeof body !== 'object' || !('result' in body)) throw new SolanaUnreachableError(`Solana RPC ${method}: no result`, 'lost')
    return body.result as T
  }
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ''
  return redactUrls(`${error instanceof Error ? error.message : String(error)}${cause}`).slice(0, 300)
}

/** A connection the peer refused (or a name that does not resolve): no byte of the request left. */
function refusedConnection(error: unknown): boolean {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined
  const code = cause && typeof cause === 'object' ? cause.code : undefined
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
}
