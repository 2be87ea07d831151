import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Hex } from 'viem'

const clientDir = fileURLToPath(new URL('../../interop/v1-client/', import.meta.url))
export const v1PayScript = `${clientDir}pay.mjs`

/** False until `npm ci --prefix interop/v1-client` has run; tests skip with that reason. */
export function v1ClientInstalled(): boolean {
  return existsSync(`${clientDir}node_modules/x402-fetch/package.json`)
}

export interface V1BuyerResponse {
  status: number
  body: string
  headers: Record<string, string>
  paymentResponse: Record<string, unknown> | null
}

export type V1BuyerResult = V1BuyerResponse | { error: string }

export function isV1Error(r: V1BuyerResult): r is { error: string } {
  return 'error' in r
}

/**
 * Pays for GET `url` with the official x402-fetch 1.2.0 buyer in a child process (it has its own
 * node_modules). `maxValue` is the buyer's cap in atomic units; x402-fetch defaults to 100000.
 */
export function runV1Buyer(
  url: string,
  privateKey: Hex,
  maxValue?: bigint,
  opts: { network?: string; timeoutMs?: number } = {},
): Promise<V1BuyerResult> {
  const args = [v1PayScript, url, privateKey]
  if (maxValue !== undefined || opts.network) args.push((maxValue ?? 100_000n).toString())
  if (opts.network) args.push(opts.network)
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { timeout: opts.timeoutMs ?? 30_000, encoding: 'utf8' }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? ''
      try {
        // pay.mjs exits 1 with an {error} line when the client throws: that is a result, not a failure.
        resolve(JSON.parse(line) as V1BuyerResult)
      } catch {
        reject(new Error(`pay.mjs printed no JSON (${error?.message ?? 'exit 0'}); stdout: ${stdout} stderr: ${stderr}`))
      }
    })
  })
}
