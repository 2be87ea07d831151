import type { Hex, TypedDataDefinition } from 'viem'
import { isEvmAddress, sameAddress } from '../../../config/evm-address.js'
import { Reason, type ReasonCode } from '../../../errors/reasons.js'
import { redactUrls } from '../../../errors/redact.js'
import { ChainUnavailableError } from '../../../errors/tollgate-error.js'
import type { Verification } from '../../../methods/payment-method.js'
import { checkPermit2Terms, DEADLINE_MARGIN_SECONDS, permit2Payment, reject } from './permit2-checks.js'
import { erc20PermitAbi } from './permit2-contracts.js'
import { PERMIT2_ADDRESS } from './permit2-constants.js'
import type { Permit2Proof } from './permit2-proof.js'
import { permit2RevertReason } from './permit2-reverts.js'
import { signedBy } from './permit2-signatures.js'
import { settleCalldata } from './settle-permit2.js'
import type { Permit2Terms } from './permit2-terms.js'
import { eip2612TypedData, permit2TypedData } from './permit2-typed-data.js'

const DIGITS = /^[0-9]{1,78}$/

/**
 * Verifies a Permit2 payment in the official order (spender, recipient, deadline, validAfter,
 * amount, token, signature), then upto's facilitator, then the gasless-approval extension (its
 * fields as the official verifier checks them, plus its EIP-2612 signature and nonce off-chain,
 * which the official one leaves to simulation), then an eth_call of the proxy's settlement from
 * the settling account; a failed simulation is diagnosed (proxy missing, balance, allowance).
 */
export async function verifyPermit2(terms: Permit2Terms, proof: Permit2Proof, nowMs: number): Promise<Verification> {
  const now = BigInt(Math.floor(nowMs / 1000))
  const refused = checkPermit2Terms(terms, proof, now)
  if (refused) return refused
  try {
    // A chain without the x402 proxy cannot settle any Permit2 payment: the seller's setup, not the buyer's fault.
    if (!(await proxyDeployed(terms))) {
      return { ok: false, status: 503, reason: Reason.permit2ProxyNotDeployed, detail: `no x402 proxy at ${terms.proxy} on ${terms.network.name}: Permit2 payments cannot settle on this chain`, publicDetail: `the x402 Permit2 proxy is not deployed on ${terms.network.name}` }
    }
    const typedData = permit2TypedData(proof, terms.network.chainId, terms.scheme) as unknown as TypedDataDefinition
    if (!(await signedBy(terms.calls, proof.owner, typedData, proof.signature))) return reject(Reason.permit2Signature, `the Permit2 signature is not ${proof.owner}'s`)
    if (terms.scheme === 'upto' && !(proof.witness.facilitator && sameAddress(proof.witness.facilitator, terms.calls.settler))) {
      return reject(Reason.uptoFacilitatorMismatch, `the witness names facilitator ${proof.witness.facilitator ?? '(none)'}, not ${terms.calls.settler}`)
    }
    if (proof.eip2612) {
      const extension = await checkEip2612(terms, proof, now)
      if (extension) return extension
    }
    const simulated = await terms.calls.simulate(terms.proxy, settleCalldata(terms, proof, proof.amount))
    if (!simulated.ok) return await diagnose(terms, proof, simulated.revert, simulated.detail)
    if (await terms.chain.settlerIsDry?.()) {
      return { ok: false, status: 503, reason: Reason.settlerInsufficientGas, detail: `the settler account cannot pay gas on ${terms.network.name}` }
    }
  } catch (error) {
    if (error instanceof ChainUnavailableError) return { ok: false, status: 503, reason: Reason.chainUnavailable, detail: redactUrls(error.message) }
    throw error
  }
  return { ok: true, payment: permit2Payment(terms, proof) }
}

async function checkEip2612(terms: Permit2Terms, proof: Permit2Proof, now: bigint): Promise<Verification | null> {
  const info = proof.eip2612!
  const formatOk =
    isEvmAddress(info.from) && isEvmAddress(info.asset) && isEvmAddress(info.spender) && DIGITS.test(info.amount) && DIGITS.test(info.nonce) && DIGITS.test(info.deadline) && /^0x[a-fA-F0-9]+$/.test(info.signature) && /^[0-9]+(\.[0-9]+)*$/.test(info.version)
  if (!formatOk) return reject(Reason.eip2612Format, 'the eip2612GasSponsoring extension is malformed')
  if (!sameAddress(info.from as Hex, proof.owner)) return reject(Reason.eip2612FromMismatch, `the permit is signed for ${info.from}, not the payer`)
  if (!sameAddress(info.asset as Hex, terms.token.address)) return reject(Reason.eip2612AssetMismatch, `the permit is for token ${info.asset}`)
  if (!sameAddress(info.spender as Hex, PERMIT2_ADDRESS)) return reject(Reason.eip2612SpenderNotPermit2, `the permit approves ${info.spender}, not Permit2`)
  if (BigInt(info.deadline) < now + DEADLINE_MARGIN_SECONDS) return reject(Reason.eip2612DeadlineExpired, `the permit deadline ${info.deadline} is too close`)
  // The proxy reverts on this (Permit2612AmountMismatch); refusing here says why before any simulation.
  if (BigInt(info.amount) !== proof.amount) return reject(Reason.permit2Eip2612AmountMismatch, `the permit approves ${info.amount}, the Permit2 transfer is for ${proof.amount}`)
  if (!terms.eip2612) return reject(Reason.eip2612Format, `token ${terms.token.address} is not configured as taking EIP-2612 permits`)
  const signature = info.signature as Hex
  const message = { owner: proof.owner, spender: PERMIT2_ADDRESS, value: BigInt(info.amount), nonce: BigInt(info.nonce), deadline: BigInt(info.deadline) }
  const typedData = eip2612TypedData(terms.token, terms.network.chainId, message) as unknown as TypedDataDefinition
  if (signature.length !== 132 || !(await signedBy(terms.calls, proof.owner, typedData, signature))) return reject(Reason.eip2612Signature, 'the EIP-2612 permit signature is not the payer\'s')
  const current = await terms.calls.read((client) => client.readContract({ address: terms.token.address, abi: erc20PermitAbi, functionName: 'nonces', args: [proof.owner] }))
  if (current !== BigInt(info.nonce)) return reject(Reason.eip2612NonceMismatch, `the permit nonce ${info.nonce} is not the token's current nonce ${current} for the payer`)
  return null
}

/**
 * Names a failed simulation: a known Permit2 or proxy error by selector, else the official
 * diagnosis (proxy not deployed, balance below the amount, Permit2 allowance below it).
 */
async function diagnose(terms: Permit2Terms, proof: Permit2Proof, revert: Hex | undefined, detail: string): Promise<Verification> {
  const known = permit2RevertReason(revert, detail)
  if (known) return reject(known, `the settlement would revert: ${known}`)
  const { calls, token } = terms
  const code = await calls.read((client) => client.getCode({ address: terms.proxy }))
  if (!code || code === '0x') return { ok: false, status: 402, reason: Reason.permit2ProxyNotDeployed, detail: `no x402 proxy at ${terms.proxy} on ${terms.network.name}`, publicDetail: `the x402 Permit2 proxy is not deployed on ${terms.network.name}` }
  const [balance, allowance] = await calls.read((client) =>
    Promise.all([
      client.readContract({ address: token.address, abi: erc20PermitAbi, functionName: 'balanceOf', args: [proof.owner] }),
      client.readContract({ address: token.address, abi: erc20PermitAbi, functionName: 'allowance', args: [proof.owner, PERMIT2_ADDRESS] }),
    ]),
  )
  if (balance < terms.amount) return reject(Reason.permit2InsufficientBalance, `${proof.owner} holds ${balance}, less than ${terms.amount}`)
  if (allowance < terms.amount && !proof.eip2612) return reject(Reason.permit2AllowanceRequired, `${proof.owner} allows Permit2 ${allowance}, less than ${terms.amount}; approve Permit2 or sign an EIP-2612 permit`)
  return { ok: false, status: 402, reason: Reason.permit2SimulationFailed, detail: redactUrls(detail), publicDetail: 'the settlement would revert' }
}

/** Proxies found deployed, per chain: code, once there, stays (the proxies cannot self-destruct). */
const deployed = new Set<string>()

async function proxyDeployed(terms: Permit2Terms): Promise<boolean> {
  const key = `${terms.network.caip2}|${terms.proxy}`
  if (deployed.has(key)) return true
  const code = await terms.calls.read((client) => client.getCode({ address: terms.proxy }))
  if (!code || code === '0x') return false
  deployed.add(key)
  return true
}
