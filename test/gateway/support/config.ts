import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestChain } from '../../support/chain.js'

/** The test token as the gateway's base-sepolia asset (anvil runs with Base Sepolia's chain id). */
export function networksYaml(chain: TestChain): string {
  return `networks:\n  - name: base-sepolia\n    asset: { address: "${chain.token}", name: USDC, version: "2", decimals: 6 }\n`
}

/** A gateway configuration selling `upstream` on the test chain, with the seller as payee. */
export function chainConfig(chain: TestChain, upstream: string, body: string): string {
  return `target: ${upstream}\npayTo: "${chain.accounts.seller.address}"\n${networksYaml(chain)}${body}`
}

/** The settler's key and RPC endpoint, as the gateway reads them: from the environment. */
export function chainEnv(chain: TestChain, rpcUrl = chain.rpcUrl): Record<string, string> {
  return { TOLLGATE_SETTLER_KEY: chain.keys.settler, TOLLGATE_RPC_URL: rpcUrl }
}

/** Writes a configuration file in a fresh temporary directory; returns its path. */
export function writeConfig(text: string, name = 'tollgate.config.yaml'): string {
  const path = join(mkdtempSync(join(tmpdir(), 'tollgate-gateway-')), name)
  writeFileSync(path, text)
  return path
}
