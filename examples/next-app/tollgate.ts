/**
 * The seller's one tollgate, shared by every paid route. The configuration is a function, so it is
 * read at the first paid request: `next build` imports route modules without needing any secret.
 */
// A real app imports these from 'tollgate/next'.
import { localSettler, tollgate } from '../../adapters/next.js'
// The Express example's environment parsing: every missing or bad variable reported at once.
import { readExampleConfig } from '../express/config.js'

export const { withPayment } = tollgate(() => {
  const config = readExampleConfig(process.env)
  return {
    payTo: config.payTo,
    settler: localSettler({ privateKey: config.settlerPrivateKey, rpcUrl: config.rpcUrl }),
    ...(config.token ? { networks: [{ name: config.network, asset: config.token }] } : {}),
    // No `store`: the in-memory replay store, right for one `next start` process, which runs with
    // NODE_ENV=production: there the memory store is refused unless the seller confirms one process.
    // Serverless or several instances: a shared store (tollgate/redis) instead.
    singleInstance: true,
  }
})

/** The network to charge on (NETWORK, default base-sepolia); read here because route options are set at import. */
export const network = process.env.NETWORK?.trim() || 'base-sepolia'
