/**
 * The Permit2 form of `exact`, as the official v2 client builds it (@x402/evm, exact/client
 * permit2): a PermitWitnessTransferFrom signed under the Permit2 domain {name 'Permit2', chainId,
 * verifyingContract PERMIT2}, spender the x402 exact proxy, a random uint256 nonce, deadline now +
 * maxTimeoutSeconds, witness {to: payTo, validAfter 0}. `upto` (a metered price) is the same
 * signature for the maximum, to the x402 upto proxy, its witness also naming the settling account
 * (`extra.facilitatorAddress`); the seller then settles only what the request cost. Permit2 must
 * be allowed to move the token: when it is not, the wallet is asked once for an approve
 * transaction (the buyer pays its gas).
 */
import { randomHex } from './encode.js'
import { readUint, signTyped, word } from './evm-wallet.js'
import type { PayContext } from './families.js'
import { errorCode, errorText, PayError, USER_REJECTED } from './wallet-errors.js'
import { exactWitness, permit2WitnessTypes, uptoWitness } from '../../chains/evm/permit2/permit2-eip712-types.js'

const PERMIT2 = '0x000000000022D473030F116dDEE9F6B43aC78BA3'
const EXACT_PROXY = '0x402085c248EeA27D92E8b30b2C58ed07f9E20001'
const UPTO_PROXY = '0x4020A4f3b7b90ccA423B9fabCc0CE57C6C240002'
const MAX_UINT256 = `${'f'.repeat(64)}`
/** How long the page waits for the approval to be mined before it gives up (the wallet's chain decides). */
const APPROVAL_WAIT_MS = 180_000
const RECEIPT_POLL_MS = 1_000

const DOMAIN = [
  { name: 'name', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
]

export async function permit2Payload(context: PayContext, chainId: number): Promise<Record<string, unknown>> {
  const { requirement } = context
  const upto = requirement.scheme === 'upto'
  await ensureAllowance(context)
  context.progress('Confirm the payment in your wallet…')
  const permit2Authorization = {
    from: context.account,
    permitted: { token: requirement.asset, amount: requirement.amount },
    spender: upto ? UPTO_PROXY : EXACT_PROXY,
    nonce: BigInt(randomHex(32)).toString(),
    deadline: String(Math.floor(Date.now() / 1000) + requirement.maxTimeoutSeconds),
    witness: upto ? { to: requirement.payTo, facilitator: requirement.extra?.facilitatorAddress, validAfter: '0' } : { to: requirement.payTo, validAfter: '0' },
  }
  const signature = await signTyped(context, {
    types: { EIP712Domain: DOMAIN, ...permit2WitnessTypes(upto ? uptoWitness : exactWitness) },
    primaryType: 'PermitWitnessTransferFrom',
    domain: { name: 'Permit2', chainId, verifyingContract: PERMIT2 },
    message: permit2Authorization,
  })
  return { signature, permit2Authorization }
}

/** allowance(owner, Permit2) >= amount, or one approve transaction from the wallet, waited for until mined. */
async function ensureAllowance(context: PayContext): Promise<void> {
  const { requirement, wallet } = context
  const allowance = await readUint(wallet.provider, requirement.asset, `0xdd62ed3e${word(context.account)}${word(PERMIT2)}`)
  if (allowance !== undefined && allowance >= BigInt(requirement.amount)) return
  context.progress('Allow Permit2 to move this token: confirm the approval in your wallet (once per token)…')
  let hash: unknown
  try {
    hash = await wallet.provider.request({ method: 'eth_sendTransaction', params: [{ from: context.account, to: requirement.asset, data: `0x095ea7b3${word(PERMIT2)}${MAX_UINT256}` }] })
  } catch (error) {
    if (errorCode(error) === USER_REJECTED) throw new PayError('user_rejected', 'You declined the Permit2 approval in your wallet. Nothing was signed.')
    throw new PayError('approval_failed', `The wallet could not send the Permit2 approval: ${errorText(error)}`)
  }
  if (typeof hash !== 'string') throw new PayError('approval_failed', 'The wallet returned no transaction for the Permit2 approval.')
  context.progress('Waiting for the Permit2 approval to be mined…')
  const until = Date.now() + APPROVAL_WAIT_MS
  while (Date.now() < until) {
    const receipt = (await wallet.provider.request({ method: 'eth_getTransactionReceipt', params: [hash] }).catch(() => null)) as { status?: string } | null
    if (receipt && receipt.status === '0x1') return
    if (receipt && receipt.status === '0x0') throw new PayError('approval_failed', `The Permit2 approval failed on chain (transaction ${hash}).`)
    await new Promise((resolve) => setTimeout(resolve, RECEIPT_POLL_MS))
  }
  throw new PayError('approval_failed', `The Permit2 approval was not mined in time (transaction ${hash}); try again once it is.`)
}
