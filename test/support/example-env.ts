import type { TestChain } from './chain.js'

/** The environment the example sellers read, pointing them at the test chain and its token, on a free port. */
export function exampleEnv(chain: TestChain): Record<string, string> {
  return {
    PAY_TO: chain.accounts.seller.address,
    SETTLER_PRIVATE_KEY: chain.keys.settler,
    RPC_URL: chain.rpcUrl,
    TOKEN_ADDRESS: chain.token,
    TOKEN_NAME: chain.tokenInfo.name,
    TOKEN_VERSION: chain.tokenInfo.version,
    TOKEN_DECIMALS: String(chain.tokenInfo.decimals),
    PORT: '0',
  }
}
