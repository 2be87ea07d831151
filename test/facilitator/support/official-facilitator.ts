import { x402Facilitator } from '@x402/core/facilitator'
import type { PaymentPayload, PaymentRequirements } from '@x402/core/types'
import { toFacilitatorEvmSigner } from '@x402/evm'
import { registerExactEvmScheme } from '@x402/evm/exact/facilitator'
import { createServer } from 'node:http'
import { createWalletClient, http, publicActions, type PrivateKeyAccount } from 'viem'
import type { TestChain } from '../../support/chain.js'
import { listenOnLoopback, type TestServer } from '../../support/http.js'

export interface OfficialFacilitator extends TestServer {
  /** Requests received per path, to show what a seller sent (and that /settle was never retried). */
  readonly calls: Record<string, number>
}

/**
 * The official x402 facilitator (`@x402/core/facilitator` + `@x402/evm/exact/facilitator`) on the
 * test chain, settling from `account`, served over plain HTTP as the x402 facilitator API.
 */
export async function startOfficialFacilitator(chain: TestChain, account: PrivateKeyAccount): Promise<OfficialFacilitator> {
  const client = createWalletClient({ account, chain: chain.chain, transport: http(chain.rpcUrl), pollingInterval: 50 }).extend(publicActions)
  const signer = toFacilitatorEvmSigner({
    address: account.address,
    readContract: (args) => client.readContract(args as never),
    verifyTypedData: (args) => client.verifyTypedData(args as never),
    writeContract: (args) => client.writeContract(args as never),
    sendTransaction: (args) => client.sendTransaction(args),
    waitForTransactionReceipt: (args) => client.waitForTransactionReceipt({ ...args, pollingInterval: 50 }),
    getCode: (args) => client.getCode(args),
  })
  const facilitator = new x402Facilitator()
  registerExactEvmScheme(facilitator, { signer, networks: 'eip155:84532' })

  const calls: Record<string, number> = {}
  const server = createServer(async (req, res) => {
    const path = (req.url ?? '').split('?')[0]!.replace(/^\/+/, '')
    calls[path] = (calls[path] ?? 0) + 1
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    try {
      if (req.method === 'GET' && path === 'supported') return send(200, facilitator.getSupported())
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { paymentPayload: PaymentPayload; paymentRequirements: PaymentRequirements }
      if (req.method === 'POST' && path === 'verify') return send(200, await facilitator.verify(body.paymentPayload, body.paymentRequirements))
      if (req.method === 'POST' && path === 'settle') return send(200, await facilitator.settle(body.paymentPayload, body.paymentRequirements))
      send(404, { error: 'not found' })
    } catch (error) {
      send(500, { error: String(error) })
    }
  })
  const listening = await listenOnLoopback(server)
  return { ...listening, calls }
}
