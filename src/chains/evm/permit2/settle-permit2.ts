import { encodeFunctionData, parseErc6492Signature, parseSignature, type Hex } from 'viem'
import { Reason } from '../../../errors/reasons.js'
import type { Settlement } from '../../../methods/payment-method.js'
import { exactProxyAbi, uptoProxyAbi } from './permit2-contracts.js'
import type { Permit2Proof } from './permit2-proof.js'
import { permit2RevertReason } from './permit2-reverts.js'
import { permit2NonceHex } from './permit2-proof.js'
import { permit2SettlementCheck } from './permit2-state.js'
import type { Permit2Terms } from './permit2-terms.js'
import { settlementOf } from '../settler/settlement-of.js'

/**
 * The proxy call that settles a payment: `settle`, or `settleWithPermit` when the buyer sent a
 * gasless approval. `amount` is what upto charges (≤ the permitted amount); exact moves the permit's.
 * An ERC-6492 wrapper is removed: Permit2 checks the inner signature against the deployed wallet.
 */
export function settleCalldata(terms: Permit2Terms, proof: Permit2Proof, amount: bigint): Hex {
  const { signature } = parseErc6492Signature(proof.signature)
  const permit = { permitted: { token: proof.token, amount: proof.amount }, nonce: proof.nonce, deadline: proof.deadline }
  const permit2612 = proof.eip2612 ? eip2612Struct(proof.eip2612) : undefined
  if (terms.scheme === 'upto') {
    const witness = { to: proof.witness.to, facilitator: proof.witness.facilitator ?? terms.calls.settler, validAfter: proof.witness.validAfter }
    return permit2612
      ? encodeFunctionData({ abi: uptoProxyAbi, functionName: 'settleWithPermit', args: [permit2612, permit, amount, proof.owner, witness, signature] })
      : encodeFunctionData({ abi: uptoProxyAbi, functionName: 'settle', args: [permit, amount, proof.owner, witness, signature] })
  }
  const witness = { to: proof.witness.to, validAfter: proof.witness.validAfter }
  return permit2612
    ? encodeFunctionData({ abi: exactProxyAbi, functionName: 'settleWithPermit', args: [permit2612, permit, proof.owner, witness, signature] })
    : encodeFunctionData({ abi: exactProxyAbi, functionName: 'settle', args: [permit, proof.owner, witness, signature] })
}

function eip2612Struct(info: { amount: string; deadline: string; signature: string }) {
  const { r, s, v, yParity } = parseSignature(info.signature as Hex)
  return { value: BigInt(info.amount), deadline: BigInt(info.deadline), r, s, v: Number(v ?? BigInt(yParity + 27)) }
}

/**
 * Sends the proxy's settlement from the settling account and says, on failure, whether anything may
 * have reached the chain: the settler's rules, with the Permit2 nonce bitmap as the payment's state.
 */
export async function settlePermit2(terms: Permit2Terms, proof: Permit2Proof, amount: bigint): Promise<Settlement> {
  const state = permit2SettlementCheck(terms.calls.read)
  const nonce = permit2NonceHex(proof.nonce)
  const outcome = await terms.calls.send(terms.proxy, settleCalldata(terms, proof, amount), () => terms.calls.check(state, terms.token.address, proof.owner, nonce))
  const failed = terms.scheme === 'upto' ? Reason.uptoTransactionFailed : undefined
  return settlementOf(outcome, {
    simulated: (detail) => ({
      reason: permit2RevertReason(undefined, detail) ?? failed ?? Reason.permit2SimulationFailed,
      publicDetail: 'the settlement would revert on chain; nothing was charged',
    }),
    reverted: failed ?? Reason.evmTransactionFailed,
  })
}
