import { createServer } from 'node:http'
import express, { type Express } from 'express'
import { tollgate, type ExpressTollgate } from '../../adapters/express.js'
import { localSettler, memoryStore, type LocalSettlerOptions, type TollgateConfig } from '../../src/index.js'
import type { TestChain } from '../support/chain.js'
import { listenOnLoopback } from '../support/http.js'

export interface Seller {
  url: string
  app: Express
  gate: ExpressTollgate
  close(): Promise<void>
}

/** A tollgate Express seller on the test chain, its routes added by `routes`, served on a free loopback port. */
export async function startSeller(
  chain: TestChain,
  routes: (app: Express, gate: ExpressTollgate) => void,
  overrides: Partial<TollgateConfig> & { settlerOptions?: Partial<LocalSettlerOptions> } = {},
): Promise<Seller> {
  const { settlerOptions, ...config } = overrides
  const gate = tollgate({
    payTo: chain.accounts.seller.address,
    settler: localSettler({ privateKey: chain.keys.settler, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50, ...settlerOptions }),
    store: memoryStore(),
    networks: [{ name: 'base-sepolia', asset: chain.tokenInfo }],
    ...config,
  })
  const app = express()
  routes(app, gate)
  // Node's default 16 KiB header cap would answer oversized payment headers before tollgate sees them;
  // a larger cap lets the tests reach tollgate's own limit.
  const server = await listenOnLoopback(createServer({ maxHeaderSize: 64 * 1024 }, app))
  return { ...server, app, gate }
}
