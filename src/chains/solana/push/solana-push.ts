import { payToOf } from '../../../config/families.js'
import { ConfigurationError } from '../../../errors/tollgate-error.js'
import { PushMethod } from '../../../push/push-method.js'
import { httpUrlProblems, positiveInteger, pushSettings, PUSH_OPTION_KEYS, type PushOptions } from '../../../push/push-options.js'
import type { PushSetup } from '../../../push/push-setup.js'
import { solanaRpc } from '../solana-rpc.js'
import { looksSolana } from '../solana-networks.js'
import { resolveSolanaTerms, type SolanaTokenInfo } from '../solana-terms.js'
import { SolanaPushChain } from './solana-push-chain.js'

export interface SolanaPushOptions extends PushOptions {
  /** JSON-RPC endpoint the transactions are read from. */
  rpcUrl: string
  /** 'confirmed' (default) or 'finalized': the commitment getTransaction reads at. */
  commitment?: 'confirmed' | 'finalized'
  /** Bound on each RPC call (default 5000 ms). */
  requestTimeoutMs?: number
}

const KEYS = [...PUSH_OPTION_KEYS, 'rpcUrl', 'commitment', 'requestTimeoutMs']

/**
 * Payments pushed on Solana first: an SPL transfer (TransferChecked, Transfer, or any program's)
 * that raises the route's payTo balance of the route's mint by at least the price, in a transaction
 * without error, read through getTransaction at `confirmed` and judged by its token balance deltas.
 * With binding 'signature' (default) the request carries the paying owner's Ed25519 signature.
 */
export function solanaPush(options: SolanaPushOptions): PushSetup {
  const settings = pushSettings('solanaPush', options, KEYS, (o) => [
    ...(o.rpcUrl === undefined ? ['solanaPush: rpcUrl is missing'] : httpUrlProblems(o.rpcUrl, 'solanaPush: rpcUrl')),
    ...(o.commitment === undefined || o.commitment === 'confirmed' || o.commitment === 'finalized' ? [] : ["solanaPush: commitment must be 'confirmed' or 'finalized'"]),
    ...positiveInteger(o, 'requestTimeoutMs', 'solanaPush', 120_000),
  ])
  const reads = { rpc: solanaRpc(options.rpcUrl, options.requestTimeoutMs ?? 5_000), commitment: options.commitment ?? 'confirmed' }
  return {
    kind: 'tollgate-push',
    family: 'solana',
    settings,
    methodFor(option, env) {
      if (!looksSolana(option.network)) return undefined
      return {
        build: () => {
          const receiver = typeof option.payTo === 'string' ? option.payTo : payToOf(env.payTo).solana
          if (!receiver) throw new ConfigurationError([`network ${JSON.stringify(option.network)}: no Solana payTo for pushed payments; give payTo: { solana: '…' } or payTo on the option`])
          const terms = resolveSolanaTerms({
            network: option.network,
            amount: option.amount,
            payTo: receiver,
            ...(option.asset ? { asset: option.asset as SolanaTokenInfo } : {}),
          })
          return new PushMethod(new SolanaPushChain(terms, reads), settings)
        },
      }
    },
  }
}
