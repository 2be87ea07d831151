import type { SolanaRpcCall } from './solana-rpc.js'

export interface BlockhashHint {
  blockhash: string
  lastValidBlockHeight: number
}

/** A hint younger than this is offered as is; an older one is refreshed in the background. */
const FRESH_MS = 2_000
/** A hint older than this is not offered at all: the buyer would sign a transaction about to expire. */
const STALE_MS = 20_000
const REMEMBERED = 256

/**
 * `recentBlockhash` / `lastValidBlockHeight` for challenges, read with getLatestBlockhash and cached
 * briefly. Challenges are built synchronously and must never fail: they offer what is cached and
 * leave the hint out when there is none; a failed refresh is simply retried on a later challenge.
 */
export class BlockhashHints {
  private current: (BlockhashHint & { at: number }) | undefined
  private refreshing: Promise<void> | undefined
  /** Blockhashes this seller handed out, with their last valid height: what settlement waits for. */
  private readonly known = new Map<string, number>()

  constructor(
    private readonly rpc: SolanaRpcCall,
    private readonly commitment: string,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The cached hint, if fresh enough; starts a refresh when it is getting old. */
  peek(): BlockhashHint | undefined {
    const now = this.clock()
    if (!this.current || now - this.current.at > FRESH_MS) void this.refresh()
    return this.current && now - this.current.at <= STALE_MS ? { blockhash: this.current.blockhash, lastValidBlockHeight: this.current.lastValidBlockHeight } : undefined
  }

  /** Reads the latest blockhash now (throws when the RPC cannot answer). */
  async latest(): Promise<BlockhashHint> {
    const answer = await this.rpc<{ value: { blockhash: string; lastValidBlockHeight: number | bigint } }>('getLatestBlockhash', [{ commitment: this.commitment }])
    const hint = { blockhash: answer.value.blockhash, lastValidBlockHeight: Number(answer.value.lastValidBlockHeight) }
    this.current = { ...hint, at: this.clock() }
    this.remember(hint)
    return hint
  }

  /** The last valid block height of a blockhash this seller handed out, if it did. */
  lastValidHeightOf(blockhash: string): number | undefined {
    return this.known.get(blockhash)
  }

  refresh(): Promise<void> {
    this.refreshing ??= this.latest()
      .then(() => undefined)
      .catch(() => undefined)
      .finally(() => (this.refreshing = undefined))
    return this.refreshing
  }

  private remember(hint: BlockhashHint): void {
    this.known.set(hint.blockhash, hint.lastValidBlockHeight)
    if (this.known.size > REMEMBERED) this.known.delete(this.known.keys().next().value as string)
  }
}
