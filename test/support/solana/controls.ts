import { lamports, type Address } from '@solana/kit'
import { Cluster } from './cluster.js'
import { newKeypair } from './keys.js'
import { readTokenAccount, TOKEN_2022_PROGRAM, TOKEN_PROGRAM } from './ledger.js'
import { rpcMethods, type Method } from './rpc-methods.js'
import { startRpcServer, type FaultKind, type RpcServer } from './server.js'
import { Treasury, type MintInfo } from './setup.js'

export interface StandInOptions {
  /** The confirmationStatus getSignatureStatuses reports (default `confirmed`). */
  confirmation?: 'confirmed' | 'finalized'
  /** The program of the default mint (default SPL Token). */
  tokenProgram?: 'spl-token' | 'token-2022'
  /** SOL given to the fee payer at start, in lamports (default 10 SOL). */
  feePayerLamports?: bigint
}

export interface StandInInfo {
  url: string
  controlUrl: string
  mint: MintInfo
  feePayer: { address: Address; secretKeyBase58: string }
}

/** A running stand-in: its RPC server, and the test-only controls as JSON-safe functions (same over HTTP and in-process). */
export interface StandInCore {
  server: RpcServer
  cluster: Cluster
  controls: Record<string, Method>
}

const programOf = (name: unknown): Address => (name === 'token-2022' ? TOKEN_2022_PROGRAM : TOKEN_PROGRAM)

export async function startStandInCore(options: StandInOptions = {}): Promise<StandInCore> {
  const cluster = new Cluster()
  const treasury = await Treasury.open(cluster)
  let confirmation = options.confirmation ?? 'confirmed'
  const defaultMint = await treasury.createMint(6, programOf(options.tokenProgram))
  const feePayer = await newKeypair()
  cluster.svm.airdrop(feePayer.address, lamports(options.feePayerLamports ?? 10_000_000_000n))
  const mints = new Map<string, MintInfo>([[defaultMint.mint, defaultMint]])
  const mintOf = (address: unknown): MintInfo => {
    if (address === undefined || address === null) return defaultMint
    const info = mints.get(String(address))
    if (!info) throw new Error(`unknown mint ${String(address)}`)
    return info
  }
  const arg = (params: unknown[]) => (params[0] ?? {}) as Record<string, unknown>
  const exported = (k: { address: Address; secretKeyBase58: string }) => ({ address: k.address, secretKeyBase58: k.secretKeyBase58 })

  // eslint-disable-next-line prefer-const
  let server: RpcServer
  const controls: Record<string, Method> = {
    info: (): StandInInfo => ({ url: server.url, controlUrl: server.controlUrl, mint: defaultMint, feePayer: exported(feePayer) }),
    newKeypair: async () => exported(await newKeypair()),
    createMint: async (params) => {
      const a = arg(params)
      const info = await treasury.createMint(a.decimals === undefined ? 6 : Number(a.decimals), programOf(a.tokenProgram))
      mints.set(info.mint, info)
      return info
    },
    /** A new wallet holding `amount` of the mint in its ATA (and `sol` lamports, none by default: the seller pays fees). */
    fundBuyer: async (params) => {
      const a = arg(params)
      const buyer = await newKeypair()
      await treasury.fund(buyer.address, mintOf(a.mint), BigInt(String(a.amount ?? '10000000')))
      if (a.sol) cluster.svm.airdrop(buyer.address, lamports(BigInt(String(a.sol))))
      return exported(buyer)
    },
    /** Mints `amount` more to `owner`, creating its ATA when missing. */
    fund: async (params) => {
      const a = arg(params)
      return treasury.fund(a.owner as Address, mintOf(a.mint), BigInt(String(a.amount ?? '0')))
    },
    createAta: async (params) => {
      const a = arg(params)
      return treasury.fund(a.owner as Address, mintOf(a.mint), 0n)
    },
    /** A new seller wallet, with its ATA for the mint unless `ata: false` (the missing-ATA case). */
    newSeller: async (params) => {
      const a = arg(params)
      const seller = await newKeypair()
      if (a.ata !== false) await treasury.fund(seller.address, mintOf(a.mint), 0n)
      return exported(seller)
    },
    ataOf: async (params) => {
      const a = arg(params)
      return treasury.ata(a.owner as Address, mintOf(a.mint))
    },
    airdrop: (params) => {
      const a = arg(params)
      cluster.svm.airdrop(a.address as Address, lamports(BigInt(String(a.lamports))))
      return null
    },
    /** The owner's ATA balance in atomic units, or null when the ATA does not exist. */
    tokenBalance: async (params) => {
      const a = arg(params)
      const ata = await treasury.ata(a.owner as Address, mintOf(a.mint))
      return readTokenAccount(cluster.svm, ata)?.amount.toString() ?? null
    },
    solBalance: (params) => (cluster.svm.getBalance(arg(params).address as Address) ?? 0n).toString(),
    expireBlockhash: () => {
      cluster.expireBlockhash()
      return cluster.latestBlockhash()
    },
    holdConfirmations: () => {
      cluster.held = true
      return null
    },
    releaseConfirmations: () => {
      cluster.release()
      return null
    },
    setConfirmation: (params) => {
      confirmation = arg(params).confirmation === 'finalized' ? 'finalized' : 'confirmed'
      return null
    },
    failNext: (params) => {
      const a = arg(params)
      server.faults.set(String(a.method), { kind: (a.kind ?? 'drop') as FaultKind, times: Number(a.times ?? 1) })
      return null
    },
    clearFaults: () => {
      server.faults.clear()
      return null
    },
    setDown: async (params) => {
      await server.setDown(arg(params).down === true)
      return null
    },
    /** Transactions sent by clients (setup excluded): landed, failed (err) or dropped. */
    history: () =>
      [...cluster.records.values()]
        .filter((r) => !r.setup)
        .map((r) => ({ signature: r.signature, state: r.state, err: r.err, fee: r.fee, slot: r.slot, feePayer: r.decoded.message.staticAccounts[0] })),
    calls: () => ({ ...server.calls }),
  }
  server = await startRpcServer(rpcMethods(cluster, () => confirmation), controls)
  return { server, cluster, controls }
}
