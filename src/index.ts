export { createTollgate } from './tollgate.js'
export type { AcceptOption, AdapterTollgate, PaywallOptions, RouteOptions, Tollgate, TollgateConfig } from './tollgate.js'
export { requirePayment } from './gate/require-payment.js'
export type { PaymentGate, RequirePaymentOptions } from './gate/require-payment.js'
export type { HoldPolicy, HttpAnswer, PaymentDecision, PaymentPass, SettleOutcome, SettlementPolicy } from './gate/decision.js'
export { DEFAULT_HOLD } from './gate/decision.js'
export { PayerSlots } from './gate/payer-slots.js'
export { evmExact } from './methods/evm-exact/evm-exact.js'
export type { EvmExactOptions, MethodContext, MethodSpec } from './methods/evm-exact/evm-exact.js'
export type { PaymentMethod, RequirementPair, ResourceContext, Settlement, Verification, VerifiedPayment } from './methods/payment-method.js'
export { localSettler } from './settlers/local-settler.js'
export type { LocalSettler, LocalSettlerOptions } from './settlers/local-settler.js'
export type { Eip3009Authorization, EvmChain, EvmSettler, GasStatus, TransferOutcome } from './settlers/evm-chain.js'
export type { AuthorizationOutcome } from './facilitator/settlement-check.js'
export { MemoryStore, memoryStore } from './stores/memory-store.js'
export type { MemoryStoreOptions } from './stores/memory-store.js'
export type { Store } from './stores/store.js'
export { boundedStore } from './stores/bounded-store.js'
export { formatAmount, parseAmount } from './money/parse-amount.js'
export type { Price } from './money/parse-amount.js'
export { knownNetworks } from './networks/network-table.js'
export { NetworkRegistry } from './networks/resolve-network.js'
export type { EvmNetwork, NetworkDefinition, TokenInfo } from './networks/evm-network.js'
export { Reason, reasonMessages } from './errors/reasons.js'
export type { ReasonCode } from './errors/reasons.js'
export { ChainUnavailableError, ConfigurationError, StoreUnavailableError, TollgateError } from './errors/tollgate-error.js'
export { decodePaymentHeader, encodeJsonHeader, MAX_HEADER_BYTES } from './protocol/decode-header.js'
export { EXPOSED_HEADERS } from './protocol/wire-types.js'
export type { PaymentRequiredV1, PaymentRequiredV2, RequirementV1, RequirementV2, SettleResponse, X402Version } from './protocol/wire-types.js'
export type { RequestLike } from './http/request-like.js'
export type {
  AuthorizeEvent,
  AuthorizeVerdict,
  ChallengeEvent,
  PrepaidExhaustedEvent,
  PrepaidIssuedEvent,
  PrepaidRevokedEvent,
  PrepaidSpentEvent,
  PresentedPayment,
  RejectedEvent,
  RouteEvent,
  SettledEvent,
  SettlementFailedEvent,
  SettlementFields,
  TollgateHooks,
  VerifiedEvent,
} from './hooks/hook-types.js'
export type { Dynamic, PayToFunction, PriceContext, PriceFunction } from './gate/dynamic-terms.js'
export { PRICE_BODY_LIMIT_BYTES } from './gate/dynamic-terms.js'
export { DISCOVERY_PATH, serveDiscovery } from './discovery/index.js'
export type { DiscoveryMethod, DiscoveryOptions } from './discovery/bazaar.js'
export { discoveryListingSchema } from './discovery/listing.js'
export type { DiscoveryItem, DiscoveryListing } from './discovery/listing.js'
export type { Logger } from './logger.js'
export type { CredentialStatus, PrepaidDependencies, PrepaidPlan } from './prepaid/prepaid-plan.js'
export { DEFAULT_PREPAID_HEADER, REMAINING_HEADER } from './prepaid/prepaid-options.js'
export type { CredentialKey, PrepaidOptions, PrepaidPackage } from './prepaid/prepaid-options.js'
export type { PrepaidSetup } from './prepaid/prepaid-setup.js'
export type { ChallengeExtras, PrepaidAcceptor } from './gate/prepaid-acceptor.js'
export type { PrepaidUse } from './methods/payment-method.js'
export { httpFacilitator } from './facilitator/http-facilitator.js'
export type { FacilitatorCall, FacilitatorClient, FacilitatorHeaders, FacilitatorPath, FacilitatorReply, HttpFacilitatorOptions, SettleReply } from './facilitator/http-facilitator.js'
export { facilitatorExact } from './facilitator/facilitator-exact.js'
export type { FacilitatorExactOptions } from './facilitator/facilitator-exact.js'
export type { FacilitatorRequest, SupportedKind, SupportedResponse, VerifyResponse } from './facilitator/facilitator-wire.js'
export { answerText } from './gate/answer-text.js'
export { mergeHeaders } from './gate/merge-headers.js'
export { JSON_BODY_LIMIT_BYTES, jsonBodyRefusal, parseJsonBody, readWebJsonBody } from './http/json-body.js'
export type { JsonBody } from './http/json-body.js'
export type { KnownNetworkName, NetworkName } from './types/network-name.js'
export { combineHooks } from './hooks/combine-hooks.js'
export { rateLimits, forwardedFor, DEFAULT_LIMITS_PREFIX } from './limits/index.js'
export type { ClientIp, RateLimitedVerdict, RateLimits, RateLimitsOptions, RateWindow } from './limits/index.js'
export { riskEngine, parsePaymentSecure, parseRiskSession } from './risk/index.js'
export type { RiskDecision, RiskEngine, RiskEngineOptions, RiskEvidence, RiskInput, PaymentSecure } from './risk/index.js'
export type { GateSpan, GateTracer, TraceAttributes } from './gate/gate-tracer.js'
