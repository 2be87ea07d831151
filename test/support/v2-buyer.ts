import { wrapFetchWithPayment, x402Client, type Network } from '@x402/fetch'
import { registerExactEvmScheme } from '@x402/evm/exact/client'
import type { Address, PrivateKeyAccount } from 'viem'

export interface V2BuyerOptions {
  network: 'eip155:84532'
  asset: Address
  /** Atomic per-payment cap for `asset`; uncapped when omitted. */
  maxAmountPerPayment?: bigint
  /** The fetch the client pays through: an in-process handler (Next route, Hono app) instead of the network. */
  baseFetch?: typeof fetch
}

/**
 * A paying fetch from the official v2 buyer (@x402/fetch), set up for our test token.
 * By default the v2 client pays only "default assets" (real USDC etc.) up to $1, so the test
 * token has to be opted in through spend controls. It is listed under both the CAIP-2 id and the
 * v1 name 'base-sepolia' because the same client also answers v1 402 bodies, and spend controls
 * match networks literally.
 */
export function makeV2Fetch(account: PrivateKeyAccount, opts: V2BuyerOptions): typeof fetch {
  const client = new x402Client()
  registerExactEvmScheme(client, { signer: account, networks: [opts.network] })
  const cap = opts.maxAmountPerPayment === undefined ? {} : { maxAmountPerPayment: opts.maxAmountPerPayment.toString() }
  client.setSpendControls({
    allowedAssets: [
      { network: opts.network, asset: opts.asset, ...cap },
      // v1 network names are outside the CAIP-2 template type, but the client matches them as strings.
      { network: 'base-sepolia' as Network, asset: opts.asset, ...cap },
    ],
  })
  return wrapFetchWithPayment(opts.baseFetch ?? fetch, client) as typeof fetch
}
