import { getBase58Decoder, getBase58Encoder, getBase64Encoder, type Address } from '@solana/kit'
import type { Cluster, TxRecord } from './cluster.js'
import { RpcFailure } from './errors.js'
import { readMintDecimals, readTokenAccount, uiAmount } from './ledger.js'

export const DEVNET_GENESIS_HASH = 'EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG'

type Params = unknown[]
type Config = { encoding?: string; commitment?: string; [key: string]: unknown }
export type Method = (params: Params) => unknown

const configOf = (params: Params, index: number): Config => (params[index] && typeof params[index] === 'object' ? (params[index] as Config) : {})

function wireOf(params: Params, defaultEncoding: 'base58' | 'base64'): Uint8Array {
  const text = params[0]
  if (typeof text !== 'string') throw new RpcFailure(-32602, 'Invalid params: transaction must be a string')
  const encoding = configOf(params, 1).encoding ?? defaultEncoding
  try {
    return new Uint8Array(encoding === 'base64' ? getBase64Encoder().encode(text) : getBase58Encoder().encode(text))
  } catch {
    throw new RpcFailure(-32602, `invalid transaction: failed to decode ${encoding} string`)
  }
}

function addressParam(params: Params): Address {
  if (typeof params[0] !== 'string') throw new RpcFailure(-32602, 'Invalid param: expected an address')
  return params[0] as Address
}

/** The JSON-RPC methods of the stand-in: the subset of a Solana node's API that x402 code calls. */
export function rpcMethods(cluster: Cluster, confirmation: () => 'confirmed' | 'finalized'): Record<string, Method> {
  const svm = cluster.svm
  const context = () => ({ slot: cluster.slot, apiVersion: '2.2.0' })
  const withContext = (value: unknown) => ({ context: context(), value })

  const account = (address: Address, encoding: string | undefined) => {
    const acc = svm.getAccount(address)
    if (!acc.exists) return null
    const base = { executable: acc.executable, lamports: Number(acc.lamports), owner: acc.programAddress, rentEpoch: 0, space: acc.data.length }
    if (encoding === 'jsonParsed') {
      const parsed = parsedAccount(address)
      if (parsed) return { ...base, data: parsed }
    }
    return { ...base, data: [Buffer.from(acc.data).toString('base64'), 'base64'] }
  }

  const parsedAccount = (address: Address) => {
    const token = readTokenAccount(cluster.svm, address)
    if (token) {
      const decimals = readMintDecimals(cluster.svm, token.mint) ?? 0
      const info = { mint: token.mint, owner: token.owner, tokenAmount: uiAmount(token.amount, decimals), state: 'initialized', isNative: false }
      return { program: token.programId.startsWith('Tokenz') ? 'spl-token-2022' : 'spl-token', parsed: { type: 'account', info }, space: 165 }
    }
    return null
  }

  const status = (signature: unknown) => {
    const record = typeof signature === 'string' ? cluster.landed(signature) : null
    if (!record) return null
    const finalized = confirmation() === 'finalized'
    return {
      slot: record.slot,
      confirmations: finalized ? null : 0,
      err: record.err,
      status: record.err ? { Err: record.err } : { Ok: null },
      confirmationStatus: confirmation(),
    }
  }

  return {
    getHealth: () => 'ok',
    getVersion: () => ({ 'solana-core': '2.2.0', 'feature-set': 0 }),
    getGenesisHash: () => DEVNET_GENESIS_HASH,
    getSlot: () => cluster.slot,
    getBlockHeight: () => cluster.blockHeight,
    getLatestBlockhash: () => withContext(cluster.latestBlockhash()),
    isBlockhashValid: (params) => withContext(cluster.isBlockhashValid(String(params[0]))),
    getMinimumBalanceForRentExemption: (params) => Number(svm.minimumBalanceForRentExemption(BigInt(Number(params[0] ?? 0)))),
    getAccountInfo: (params) => withContext(account(addressParam(params), configOf(params, 1).encoding)),
    getMultipleAccounts: (params) => {
      const list = Array.isArray(params[0]) ? (params[0] as Address[]) : []
      const encoding = configOf(params, 1).encoding
      return withContext(list.map((a) => account(a, encoding)))
    },
    getBalance: (params) => withContext(Number(svm.getBalance(addressParam(params)) ?? 0n)),
    getTokenAccountBalance: (params) => {
      const token = readTokenAccount(svm, addressParam(params))
      if (!token) throw new RpcFailure(-32602, 'Invalid param: could not find account')
      return withContext(uiAmount(token.amount, readMintDecimals(svm, token.mint) ?? 0))
    },
    simulateTransaction: (params) => {
      const config = configOf(params, 1)
      if (config.sigVerify && config.replaceRecentBlockhash) throw new RpcFailure(-32602, 'sigVerify may not be used with replaceRecentBlockhash')
      const wire = wireOf(params, 'base58')
      try {
        return withContext(cluster.simulate(wire, { sigVerify: config.sigVerify === true, replaceRecentBlockhash: config.replaceRecentBlockhash === true }))
      } catch (error) {
        if (error instanceof RpcFailure) throw error
        throw new RpcFailure(-32602, `invalid transaction: ${error instanceof Error ? error.message : String(error)}`)
      }
    },
    sendTransaction: (params) => cluster.send(wireOf(params, 'base58'), { skipPreflight: configOf(params, 1).skipPreflight === true }),
    getSignatureStatuses: (params) => withContext((Array.isArray(params[0]) ? params[0] : []).map(status)),
    getTransaction: (params) => {
      const config = configOf(params, 1)
      const record = typeof params[0] === 'string' ? cluster.landed(params[0]) : null
      if (!record) return null
      if (config.maxSupportedTransactionVersion === undefined) {
        throw new RpcFailure(-32015, 'Transaction version (0) is not supported by the requesting client. Please try the request again with the following configuration parameter: "maxSupportedTransactionVersion": 0')
      }
      return transactionJson(record, config.encoding ?? 'json')
    },
    getFeeForMessage: () => withContext(5000),
    requestAirdrop: (params) => {
      svm.airdrop(addressParam(params), BigInt(Number(params[1] ?? 0)) as never)
      return '1111111111111111111111111111111111111111111111111111111111111111'
    },
  }
}

/** getTransaction's answer, in `json`, `jsonParsed` (transfers and memos parsed) or `base64` encoding. */
function transactionJson(record: TxRecord, encoding: string) {
  const { message, tx, wire } = record.decoded
  const meta = {
    err: record.err,
    status: record.err ? { Err: record.err } : { Ok: null },
    fee: record.fee,
    preBalances: record.preBalances,
    postBalances: record.postBalances,
    preTokenBalances: record.preTokenBalances,
    postTokenBalances: record.postTokenBalances,
    logMessages: record.logs,
    innerInstructions: [],
    loadedAddresses: { writable: [], readonly: [] },
    rewards: [],
    computeUnitsConsumed: record.unitsConsumed,
  }
  const base = { slot: record.slot, blockTime: record.blockTime, version: message.version === 'legacy' ? 'legacy' : 0, meta }
  if (encoding === 'base64') return { ...base, transaction: [Buffer.from(wire).toString('base64'), 'base64'] }
  const signatures = Object.values(tx.signatures).map((s) => (s ? bs58(s) : '1111111111111111111111111111111111111111111111111111111111111111'))
  const header = message.header
  const signerCount = header.numSignerAccounts
  const n = message.staticAccounts.length
  const writable = (i: number) =>
    i < signerCount ? i < signerCount - header.numReadonlySignerAccounts : i < n - header.numReadonlyNonSignerAccounts
  const instructions = message.instructions.map((ix) => ({
    programIdIndex: ix.programAddressIndex,
    accounts: [...(ix.accountIndices ?? [])],
    data: bs58(ix.data ?? new Uint8Array()),
    stackHeight: null,
  }))
  if (encoding !== 'jsonParsed') {
    return {
      ...base,
      transaction: {
        signatures,
        message: { accountKeys: message.staticAccounts, header, recentBlockhash: message.lifetimeToken, instructions, addressTableLookups: [] },
      },
    }
  }
  const accountKeys = message.staticAccounts.map((pubkey, i) => ({ pubkey, signer: i < signerCount, writable: writable(i), source: 'transaction' }))
  const parsed = message.instructions.map((ix, k) => parseInstruction(message.staticAccounts, ix, instructions[k]!))
  return {
    ...base,
    transaction: { signatures, message: { accountKeys, recentBlockhash: message.lifetimeToken, instructions: parsed, addressTableLookups: [] } },
  }
}

type CompiledIx = { programAddressIndex: number; accountIndices?: readonly number[]; data?: Uint8Array }

function parseInstruction(keys: readonly string[], ix: CompiledIx, raw: { data: string }) {
  const programId = keys[ix.programAddressIndex]!
  const accounts = (ix.accountIndices ?? []).map((i) => keys[i]!)
  const data = ix.data ?? new Uint8Array()
  if (programId.startsWith('Memo')) return { program: 'spl-memo', programId, parsed: new TextDecoder().decode(data), stackHeight: null }
  const isToken = programId === 'TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA' || programId === 'TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb'
  if (isToken && data[0] === 12 && data.length >= 10 && accounts.length >= 4) {
    const amount = new DataView(data.buffer, data.byteOffset + 1, 8).getBigUint64(0, true)
    const decimals = data[9]!
    const info = { source: accounts[0], mint: accounts[1], destination: accounts[2], authority: accounts[3], tokenAmount: uiAmount(amount, decimals) }
    const program = programId.startsWith('Tokenz') ? 'spl-token-2022' : 'spl-token'
    return { program, programId, parsed: { type: 'transferChecked', info }, stackHeight: null }
  }
  return { programId, accounts, data: raw.data, stackHeight: null }
}

const bs58 = (bytes: Uint8Array) => getBase58Decoder().decode(bytes)
