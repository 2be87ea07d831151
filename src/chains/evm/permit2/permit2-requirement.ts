import type { RequirementPair, ResourceContext } from '../../../methods/payment-method.js'
import type { Permit2Terms } from './permit2-terms.js'

/** The official eip2612GasSponsoring declaration (@x402/extensions `declareEip2612GasSponsoringExtension`). */
export const eip2612Declaration = {
  eip2612GasSponsoring: {
    info: { description: 'The facilitator accepts EIP-2612 gasless Permit to `Permit2` canonical contract.', version: '1' },
    schema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: {
        from: { type: 'string', pattern: '^0x[a-fA-F0-9]{40}$', description: 'The address of the sender.' },
        asset: { type: 'string', pattern: '^0x[a-fA-F0-9]{40}$', description: 'The address of the ERC-20 token contract.' },
        spender: { type: 'string', pattern: '^0x[a-fA-F0-9]{40}$', description: 'The address of the spender (Canonical Permit2).' },
        amount: { type: 'string', pattern: '^[0-9]+$', description: 'The amount to approve (uint256). Typically MaxUint.' },
        nonce: { type: 'string', pattern: '^[0-9]+$', description: 'The current nonce of the sender.' },
        deadline: { type: 'string', pattern: '^[0-9]+$', description: 'The timestamp at which the signature expires.' },
        signature: { type: 'string', pattern: '^0x[a-fA-F0-9]+$', description: 'The 65-byte concatenated signature (r, s, v) as a hex string.' },
        version: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)*$', description: 'Schema version identifier.' },
      },
      required: ['from', 'asset', 'spender', 'amount', 'nonce', 'deadline', 'signature', 'version'],
    },
  },
} as const

/**
 * The v2 `accepts` entry of a Permit2 payment. x402 v1 has no Permit2, so there is no v1 form.
 * The token's EIP-712 domain goes in `extra` only for EIP-2612 tokens (the client signs the
 * gasless approval under it), as the official server does; upto names the settling account.
 */
export function permit2Requirement(terms: Permit2Terms, _resource: ResourceContext, maxTimeoutSeconds: number): RequirementPair {
  const { network, token, amount, payTo, scheme } = terms
  const extra = {
    assetTransferMethod: 'permit2',
    ...(terms.eip2612 ? { name: token.name, version: token.version } : {}),
    ...(scheme === 'upto' ? { facilitatorAddress: terms.calls.settler } : {}),
  }
  const v2 = { scheme, network: network.caip2, amount: amount.toString(), asset: token.address, payTo, maxTimeoutSeconds, extra }
  return { v2, ...(terms.eip2612 ? { extensions: { ...eip2612Declaration } } : {}) }
}
