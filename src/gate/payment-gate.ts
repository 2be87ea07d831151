import type { DiscoveryItem } from '../discovery/listing.js'
import type { RequestLike } from '../http/request-like.js'
import type { PaymentMethod } from '../methods/payment-method.js'
import type { PaymentDecision, SettlementPolicy } from './decision.js'

/** One paywalled route, as requirePayment builds it and every adapter drives it. */
export interface PaymentGate {
  readonly policy: SettlementPolicy
  readonly methods: readonly PaymentMethod[]
  evaluate(request: RequestLike): Promise<PaymentDecision>
  /**
   * The replay keys of the payment a request carries, without claiming or verifying anything;
   * null when it carries none this gate accepts. Lets a caller find what a payment already bought.
   */
  identify(request: RequestLike): string[] | null
  /**
   * This route as the discovery listing shows it: at its `resource`, else at the first URL it
   * served (origin and path); undefined before either is known or when it is not discoverable.
   */
  describe(): DiscoveryItem | undefined
}
