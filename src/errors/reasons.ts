/**
 * Stable reason codes carried in rejection bodies (`error`) and settlement headers (`errorReason`).
 * EVM codes are the official x402 v2 strings so x402 clients and dashboards read them unchanged;
 * the generic ones are x402 v1's ErrorReasons; the rest name what x402 leaves unnamed.
 */
export const Reason = {
  // Generic protocol problems (x402 ErrorReasons).
  invalidPayload: 'invalid_payload',
  invalidVersion: 'invalid_x402_version',
  unsupportedScheme: 'unsupported_scheme',
  invalidNetwork: 'invalid_network',
  // tollgate: transport and state.
  headerTooLarge: 'payment_header_too_large',
  ambiguousPayment: 'ambiguous_payment_headers',
  noMatchingRequirement: 'no_matching_requirements',
  replayed: 'payment_already_used',
  storeUnavailable: 'store_unavailable',
  chainUnavailable: 'chain_unavailable',
  settlementUnknown: 'settlement_unknown',
  // tollgate: the settler account cannot pay gas; nothing was sent.
  settlerInsufficientGas: 'settler_insufficient_gas',
  // tollgate: a payer has too many payments verified and not yet settled or abandoned.
  tooManyPending: 'too_many_pending_payments',
  // tollgate: the handler's answer outgrew the route's held-bytes cap with overflow 'refuse'; nothing charged.
  responseTooLarge: 'response_too_large',
  // tollgate: the route's configuration cannot be served (e.g. a Fastify route without the plugin).
  invalidConfiguration: 'invalid_configuration',
  // tollgate: a remote facilitator could not give a verdict, or gave one tollgate has no code for.
  facilitatorUnavailable: 'facilitator_unavailable',
  facilitatorRejected: 'facilitator_rejected',
  // Official v2 `exact` EVM reasons.
  evmScheme: 'invalid_exact_evm_scheme',
  evmMissingDomain: 'invalid_exact_evm_missing_eip712_domain',
  evmNetworkMismatch: 'invalid_exact_evm_network_mismatch',
  evmSignature: 'invalid_exact_evm_signature',
  evmRecipientMismatch: 'invalid_exact_evm_recipient_mismatch',
  evmValidBefore: 'invalid_exact_evm_payload_authorization_valid_before',
  evmValidAfter: 'invalid_exact_evm_payload_authorization_valid_after',
  evmValueMismatch: 'invalid_exact_evm_payload_authorization_value_mismatch',
  evmNonceUsed: 'invalid_exact_evm_nonce_already_used',
  evmInsufficientBalance: 'invalid_exact_evm_insufficient_balance',
  evmTransactionFailed: 'invalid_exact_evm_transaction_failed',
  evmSimulationFailed: 'invalid_exact_evm_transaction_simulation_failed',
  // tollgate: the payment names another asset than any the route accepts.
  evmAssetMismatch: 'invalid_exact_evm_asset_mismatch',
  // tollgate: prepaid credentials.
  prepaidMalformed: 'prepaid_malformed',
  prepaidAlgorithm: 'prepaid_algorithm_not_allowed',
  prepaidUnknownKey: 'prepaid_unknown_key',
  prepaidSignature: 'prepaid_invalid_signature',
  prepaidAudience: 'prepaid_wrong_audience',
  prepaidExpired: 'prepaid_expired',
  prepaidRevoked: 'prepaid_revoked',
  prepaidExhausted: 'prepaid_exhausted',
  unknownPackage: 'unknown_package',
  invalidIdempotencyKey: 'invalid_idempotency_key',
  // tollgate: the credential's package is not one this route takes; nothing was spent.
  prepaidPackageNotAccepted: 'prepaid_package_not_accepted',
  // tollgate: the credential has calls left, but fewer than one request on this route costs; nothing was spent.
  prepaidInsufficientCalls: 'prepaid_insufficient_calls',
  // tollgate: the seller's `authorize` hook refused the payment (its default code); nothing charged.
  paymentDenied: 'payment_denied',
  // tollgate: the seller's `authorize` hook threw, timed out or gave no verdict; refused, nothing charged.
  authorizeFailed: 'authorize_failed',
  // tollgate: payments pushed on chain first and proven by transaction hash (`Authorization: x402 …`).
  pushNotFound: 'push_transaction_not_found',
  pushNotConfirmed: 'push_transaction_not_confirmed',
  pushFailed: 'push_transaction_failed',
  pushTooOld: 'push_transaction_too_old',
  pushNoTransfer: 'push_no_transfer',
  pushRecipientMismatch: 'push_recipient_mismatch',
  pushAssetMismatch: 'push_asset_mismatch',
  pushInsufficient: 'push_amount_insufficient',
  pushBindingRequired: 'push_binding_required',
  pushBindingInvalid: 'push_binding_invalid',
  pushPayerMismatch: 'push_payer_mismatch',
} as const

export type ReasonCode = (typeof Reason)[keyof typeof Reason]

/** Plain-language explanations, so an error body is readable without a lookup table. */
export const reasonMessages: Record<ReasonCode, string> = {
  invalid_payload: 'The payment header could not be decoded or does not have the expected shape.',
  invalid_x402_version: 'The payment uses an x402 protocol version this server does not speak (1 and 2 are supported).',
  unsupported_scheme: 'The payment uses a scheme this route does not accept.',
  invalid_network: 'The payment is for a network this route does not accept.',
  payment_header_too_large: 'The payment header is larger than 16 KiB.',
  ambiguous_payment_headers: 'Send either PAYMENT-SIGNATURE (x402 v2) or X-PAYMENT (x402 v1), not both.',
  no_matching_requirements: 'The payment does not match any of the payment options this route offers.',
  payment_already_used: 'This payment authorization has already been presented; sign a new one.',
  store_unavailable: 'The payment service is temporarily unavailable; nothing was charged. Retry later.',
  chain_unavailable: 'The blockchain could not be reached; nothing was charged. Retry later.',
  settlement_unknown: 'The settlement transaction was sent but its outcome is not known yet; do not pay again. Present the same payment again later to get what it paid for.',
  settler_insufficient_gas: "The seller's settlement account cannot pay network fees right now; nothing was charged. Retry later.",
  too_many_pending_payments: 'This payer has too many payments in progress; nothing was charged. Wait for them to finish.',
  response_too_large: 'The response is larger than this route holds back before settlement; nothing was charged.',
  invalid_configuration: 'This paid route is misconfigured on the server; nothing was charged.',
  facilitator_unavailable: 'The payment facilitator could not be reached or gave no usable answer; nothing was charged. Retry later.',
  facilitator_rejected: 'The payment facilitator refused the payment (see detail for its reason).',
  invalid_exact_evm_scheme: 'The payment scheme is not `exact`.',
  invalid_exact_evm_missing_eip712_domain: 'The requirement lacks the token EIP-712 domain name and version.',
  invalid_exact_evm_network_mismatch: 'The payment is for another network than the one required.',
  invalid_exact_evm_signature: 'The authorization signature is not valid for the payer.',
  invalid_exact_evm_recipient_mismatch: 'The authorization pays another address than this seller.',
  invalid_exact_evm_payload_authorization_valid_before: 'The authorization expires too soon (or has expired).',
  invalid_exact_evm_payload_authorization_valid_after: 'The authorization is not valid yet.',
  invalid_exact_evm_payload_authorization_value_mismatch: 'The authorized amount is not the price of this route.',
  invalid_exact_evm_nonce_already_used: 'The authorization nonce has already been used on chain.',
  invalid_exact_evm_insufficient_balance: 'The payer does not hold enough of the token.',
  invalid_exact_evm_transaction_failed: 'The settlement transaction failed on chain.',
  invalid_exact_evm_transaction_simulation_failed: 'The settlement transaction would fail on chain.',
  invalid_exact_evm_asset_mismatch: 'The payment is in another token than the ones this route accepts.',
  prepaid_malformed: 'The prepaid credential is not a well-formed credential of this seller.',
  prepaid_algorithm_not_allowed: 'The prepaid credential is not signed with HS256.',
  prepaid_unknown_key: 'The prepaid credential names a signing key this seller does not have.',
  prepaid_invalid_signature: 'The prepaid credential signature does not match: it was altered or forged.',
  prepaid_wrong_audience: 'The prepaid credential belongs to another seller.',
  prepaid_expired: 'The prepaid credential has expired; buy a new package.',
  prepaid_revoked: 'The prepaid credential was revoked by the seller.',
  prepaid_exhausted: 'The prepaid credential has no calls left; buy a new package.',
  unknown_package: 'No prepaid package has that id; see the packages list.',
  invalid_idempotency_key: 'An Idempotency-Key must be 16 to 200 characters, so nobody can guess it.',
  prepaid_package_not_accepted: 'This route does not accept credentials of that prepaid package; nothing was spent. See the packages list.',
  prepaid_insufficient_calls: 'The prepaid credential has fewer calls left than one request on this route costs; nothing was spent.',
  payment_denied: 'The seller declined this payment; nothing was charged.',
  authorize_failed: 'The seller could not decide on this payment right now; nothing was charged. Retry later.',
  push_transaction_not_found: 'The transaction is not known on this chain (a wrong hash, or not seen yet); present it again once it is mined.',
  push_transaction_not_confirmed: 'The transaction does not have enough confirmations yet; present the same hash again after Retry-After seconds.',
  push_transaction_failed: 'The transaction failed on chain and moved nothing.',
  push_transaction_too_old: 'The transaction is older than this seller accepts.',
  push_no_transfer: 'The transaction moved no token.',
  push_recipient_mismatch: "The transaction pays nothing to this route's address.",
  push_asset_mismatch: "The transaction pays this route's address in another token than the route's.",
  push_amount_insufficient: "The transaction pays less than this route's price.",
  push_binding_required: "This seller needs the paying key's signature over the transaction and the request (signature=\"…\").",
  push_binding_invalid: 'The signature is not by a key that paid in this transaction, for this request.',
  push_payer_mismatch: 'The named payer did not pay in this transaction.',
}
