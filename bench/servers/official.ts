/**
 * The official x402 v2 seller stack, as its README sets it up: @x402/express's paymentMiddleware
 * over an x402ResourceServer whose facilitator is the official x402Facilitator, in-process, with
 * @x402/evm's exact scheme, settling from its own key against the same chain as tollgate.
 */
import type { RequestListener } from 'node:http'
import express from 'express'
import { x402Facilitator } from '@x402/core/facilitator'
import type { FacilitatorClient } from '@x402/core/server'
import { toFacilitatorEvmSigner } from '@x402/evm'
import { registerExactEvmScheme as registerFacilitatorScheme } from '@x402/evm/exact/facilitator'
import { registerExactEvmScheme as registerServerScheme } from '@x402/evm/exact/server'
import { paymentMiddleware, x402ResourceServer } from '@x402/express'
import { createWalletClient, http, nonceManager, publicActions, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { baseSepolia } from 'viem/chains'

export async function officialExpressApp(body: unknown): Promise<RequestListener> {
  const env = process.env
  const rpcUrl = env.RPC_URL ?? 'http://127.0.0.1:9'
  // viem's nonce manager: without it, concurrent settlements from one key take the same nonce and
  // most fail. Giving the official stack its best ordinary setup keeps the comparison honest.
  const account = privateKeyToAccount((env.SETTLER_KEY ?? `0x${'22'.repeat(32)}`) as Hex, { nonceManager })
  // Same receipt polling as tollgate's settler in this benchmark, so neither waits longer by default.
  const client = createWalletClient({ account, chain: baseSepolia, transport: http(rpcUrl), pollingInterval: 25 }).extend(publicActions)
  const signer = toFacilitatorEvmSigner({
    address: account.address,
    readContract: (args) => client.readContract(args as Parameters<typeof client.readContract>[0]),
    verifyTypedData: (args) => client.verifyTypedData(args as Parameters<typeof client.verifyTypedData>[0]),
    writeContract: (args) => client.writeContract(args as Parameters<typeof client.writeContract>[0]),
    sendTransaction: (args) => client.sendTransaction(args),
    waitForTransactionReceipt: (args) => client.waitForTransactionReceipt({ ...args, pollingInterval: 25 }),
    getCode: (args) => client.getCode(args),
  })
  const facilitator = new x402Facilitator()
  registerFacilitatorScheme(facilitator, { signer, networks: 'eip155:84532' })
  const server = new x402ResourceServer(facilitator as unknown as FacilitatorClient)
  registerServerScheme(server)
  const asset = env.TOKEN ?? '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
  const app = express()
  app.use(
    paymentMiddleware(
      {
        'GET /data': {
          accepts: {
            scheme: 'exact',
            network: 'eip155:84532',
            payTo: env.PAY_TO ?? '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
            price: { amount: '100000', asset, extra: { name: 'USDC', version: '2' } },
          },
        },
      },
      server,
    ),
  )
  app.get('/data', (_req, res) => res.json(body))
  return app
}
