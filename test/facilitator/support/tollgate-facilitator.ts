import type { Hex } from 'viem'
import { facilitatorHandler, type FacilitatorHandlerOptions } from '../../../src/facilitator-server/index.js'
import { localSettler, memoryStore } from '../../../src/index.js'
import type { TestChain } from '../../support/chain.js'
import type { TestServer } from '../../support/http.js'
import { serveWeb } from './serve-web.js'

export const CALLER_TOKEN = 'test-caller-token-0123456789abcdef'
export const OTHER_TOKEN = 'other-caller-token-fedcba9876543210'

/** tollgate's facilitator server on the test chain, settling from `settlerKey`, served on loopback. */
export function startTollgateFacilitator(chain: TestChain, settlerKey: Hex, overrides: Partial<FacilitatorHandlerOptions> = {}): Promise<TestServer> {
  return serveWeb(
    facilitatorHandler({
      settler: localSettler({ privateKey: settlerKey, rpcUrl: chain.rpcUrl, pollingIntervalMs: 50 }),
      // The test token is base-sepolia's asset here: the facilitator settles configured tokens only.
      networks: [{ name: 'base-sepolia', rpcUrl: chain.rpcUrl, asset: chain.tokenInfo }],
      tokens: [CALLER_TOKEN, OTHER_TOKEN],
      store: memoryStore(),
      ...overrides,
    }),
  )
}

export function bearer(token = CALLER_TOKEN): Record<string, string> {
  return { authorization: `Bearer ${token}` }
}
