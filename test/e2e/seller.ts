import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import express, { type Express } from 'express'
import { tollgate, type ExpressTollgate } from '../../adapters/express.js'
import { localSettler, memoryStore, type LocalSettlerOptions, type TollgateConfig } from '../../src/index.js'
import type { TestChain } from '../support/chain.js'

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
  const server: Server = createServer({ maxHeaderSize: 64 * 1024 }, app)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    gate,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
