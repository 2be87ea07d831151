import {
  appendTransactionMessageInstructions,
  createTransactionMessage,
  generateKeyPairSigner,
  getTransactionEncoder,
  lamports,
  pipe,
  setTransactionMessageFeePayerSigner,
  setTransactionMessageLifetimeUsingBlockhash,
  signTransactionMessageWithSigners,
  type Address,
  type Blockhash,
  type Instruction,
  type KeyPairSigner,
} from '@solana/kit'
import { getCreateAccountInstruction } from '@solana-program/system'
import {
  findAssociatedTokenPda,
  getCreateAssociatedTokenIdempotentInstruction,
  getInitializeMint2Instruction,
  getMintToCheckedInstruction,
} from '@solana-program/token'
import type { Cluster } from './cluster.js'
import { TOKEN_2022_PROGRAM, TOKEN_PROGRAM } from './ledger.js'

export interface MintInfo {
  mint: Address
  decimals: number
  tokenProgram: Address
}

/**
 * The stand-in's own setup transactions (mints, ATAs, mintTo), sent through the cluster like any
 * other: real instructions of the real programs, so accounts are laid out exactly as on a cluster.
 */
export class Treasury {
  private constructor(
    private readonly cluster: Cluster,
    /** Pays rent and fees of setup transactions, and is every test mint's authority. */
    readonly bank: KeyPairSigner,
  ) {}

  static async open(cluster: Cluster): Promise<Treasury> {
    const bank = await generateKeyPairSigner()
    cluster.svm.airdrop(bank.address, lamports(1_000_000_000_000n))
    return new Treasury(cluster, bank)
  }

  async createMint(decimals = 6, tokenProgram: Address = TOKEN_PROGRAM): Promise<MintInfo> {
    if (tokenProgram !== TOKEN_PROGRAM && tokenProgram !== TOKEN_2022_PROGRAM) throw new Error(`unknown token program ${tokenProgram}`)
    const mint = await generateKeyPairSigner()
    const space = 82n
    await this.run([
      getCreateAccountInstruction({
        payer: this.bank,
        newAccount: mint,
        lamports: lamports(this.cluster.svm.minimumBalanceForRentExemption(space)),
        space,
        programAddress: tokenProgram,
      }),
      getInitializeMint2Instruction({ mint: mint.address, decimals, mintAuthority: this.bank.address }, { programAddress: tokenProgram }),
    ])
    return { mint: mint.address, decimals, tokenProgram }
  }

  async ata(owner: Address, mint: MintInfo): Promise<Address> {
    const [ata] = await findAssociatedTokenPda({ owner, mint: mint.mint, tokenProgram: mint.tokenProgram })
    return ata
  }

  /** Creates `owner`'s associated token account (idempotent) and mints `amount` into it. */
  async fund(owner: Address, mint: MintInfo, amount: bigint): Promise<Address> {
    const ata = await this.ata(owner, mint)
    const ixs: Instruction[] = [
      getCreateAssociatedTokenIdempotentInstruction({ payer: this.bank, ata, owner, mint: mint.mint, tokenProgram: mint.tokenProgram }),
    ]
    if (amount > 0n) {
      ixs.push(
        getMintToCheckedInstruction(
          { mint: mint.mint, token: ata, mintAuthority: this.bank, amount, decimals: mint.decimals },
          { programAddress: mint.tokenProgram },
        ),
      )
    }
    await this.run(ixs)
    return ata
  }

  private async run(instructions: Instruction[]): Promise<void> {
    const { blockhash, lastValidBlockHeight } = this.cluster.latestBlockhash()
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayerSigner(this.bank, m),
      (m) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: blockhash as Blockhash, lastValidBlockHeight: BigInt(lastValidBlockHeight) }, m),
      (m) => appendTransactionMessageInstructions(instructions, m),
    )
    const signed = await signTransactionMessageWithSigners(message)
    const signature = this.cluster.send(new Uint8Array(getTransactionEncoder().encode(signed)), { skipPreflight: true, setup: true })
    const record = this.cluster.records.get(signature)
    if (!record || record.err) throw new Error(`stand-in setup transaction failed: ${JSON.stringify(record?.err ?? 'not recorded')}\n${record?.logs.join('\n') ?? ''}`)
  }
}
