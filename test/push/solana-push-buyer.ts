import {
  appendTransactionMessageInstructions,
  createKeyPairFromBytes,
  createTransactionMessage,
  getBase58Decoder,
  getBase64EncodedWireTransaction,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signBytes,
  signTransactionMessageWithSigners,
  type Address,
  type Blockhash,
  type Instruction,
} from '@solana/kit'
import { findAssociatedTokenPda, getTransferCheckedInstruction } from '@solana-program/token'
import { pushBindingMessage } from '../../src/index.js'
import { signerOf, type SolanaKeypair } from '../support/solana/keys.js'
import type { SolanaStandIn } from '../support/solana/stand-in.js'
import { rpc } from '../support/solana/transfer.js'

const MEMO = 'MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr' as Address

/**
 * The buyer's own SPL TransferChecked (the push: paid before asking), with the buyer as its fee
 * payer, sent to the stand-in; returns the transaction signature. `skipPreflight` lets a transfer
 * that fails land with its error, as on a cluster.
 */
export async function pushSplTransfer(sol: SolanaStandIn, buyer: SolanaKeypair, payTo: Address, amount: bigint, opts: { mint?: Address; memo?: string } = {}): Promise<string> {
  const mint = opts.mint ?? sol.mint
  const tokenProgram = sol.tokenProgram
  // One signer instance for both roles: the buyer pays the fee and authorises the transfer.
  const signer = await signerOf(buyer)
  const [source] = await findAssociatedTokenPda({ owner: buyer.address, mint, tokenProgram })
  const [destination] = await findAssociatedTokenPda({ owner: payTo, mint, tokenProgram })
  const instructions: Instruction[] = [getTransferCheckedInstruction({ source, mint, destination, authority: signer, amount, decimals: sol.decimals }, { programAddress: tokenProgram })]
  if (opts.memo) instructions.push({ programAddress: MEMO, data: new TextEncoder().encode(opts.memo) })
  const { value } = await rpc<{ value: { blockhash: string } }>(sol.url, 'getLatestBlockhash')
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayerSigner(signer, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: value.blockhash as Blockhash, lastValidBlockHeight: 0n }, m),
    (m) => appendTransactionMessageInstructions(instructions, m),
  )
  const wire = getBase64EncodedWireTransaction(await signTransactionMessageWithSigners(message))
  return rpc<string>(sol.url, 'sendTransaction', [wire, { encoding: 'base64', skipPreflight: true }])
}

/** The paying owner's Ed25519 signature over the binding message, base58, as wallets' signMessage gives it. */
export async function solanaBinding(sol: SolanaStandIn, signature: string, signer: SolanaKeypair, url: string, method = 'GET'): Promise<string> {
  const message = pushBindingMessage({ chain: sol.network, transaction: signature, method, resource: url })
  const keys = await createKeyPairFromBytes(signer.secretKey)
  return getBase58Decoder().decode(await signBytes(keys.privateKey, new TextEncoder().encode(message)))
}

export async function solanaBoundHeader(sol: SolanaStandIn, signature: string, signer: SolanaKeypair, url: string): Promise<string> {
  return `x402 tx_hash="${signature}" chain="solana-devnet" signature="${await solanaBinding(sol, signature, signer, url)}"`
}
