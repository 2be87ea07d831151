/**
 * The EIP-712 types of a Permit2 witness transfer through the x402 proxies. Plain data with no
 * import, so the browser paywall's widget bundles the very same definitions the seller verifies with.
 */
export const exactWitness = [
  { name: 'to', type: 'address' },
  { name: 'validAfter', type: 'uint256' },
] as const

export const uptoWitness = [
  { name: 'to', type: 'address' },
  { name: 'facilitator', type: 'address' },
  { name: 'validAfter', type: 'uint256' },
] as const

export const permit2WitnessTypes = (witness: typeof exactWitness | typeof uptoWitness) => ({
  PermitWitnessTransferFrom: [
    { name: 'permitted', type: 'TokenPermissions' },
    { name: 'spender', type: 'address' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
    { name: 'witness', type: 'Witness' },
  ],
  TokenPermissions: [
    { name: 'token', type: 'address' },
    { name: 'amount', type: 'uint256' },
  ],
  Witness: witness,
})
