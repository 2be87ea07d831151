/** x402 wire shapes, as the official packages (x402 1.2 / @x402/core 2.27) put them on the wire. */

export interface RequirementV1 {
  scheme: string
  network: string
  maxAmountRequired: string
  resource: string
  description: string
  mimeType: string
  outputSchema?: unknown
  payTo: string
  maxTimeoutSeconds: number
  asset: string
  extra?: Record<string, unknown>
}

export interface RequirementV2 {
  scheme: string
  network: string
  asset: string
  amount: string
  payTo: string
  maxTimeoutSeconds: number
  extra?: Record<string, unknown>
}

export interface ResourceInfo {
  url: string
  description?: string
  mimeType?: string
}

export interface PaymentRequiredV1 {
  x402Version: 1
  error: string
  accepts: RequirementV1[]
}

export interface PaymentRequiredV2 {
  x402Version: 2
  error?: string
  resource: ResourceInfo
  accepts: RequirementV2[]
  extensions?: Record<string, unknown>
}

export interface SettleResponse {
  success: boolean
  transaction: string
  network: string
  payer?: string
  errorReason?: string
  errorMessage?: string
  amount?: string
}

export type X402Version = 1 | 2

/** Header names, lower-cased as Node and the Fetch API expose them. */
export const Headers = {
  paymentRequired: 'payment-required',
  paymentSignature: 'payment-signature',
  paymentResponse: 'payment-response',
  xPayment: 'x-payment',
  xPaymentResponse: 'x-payment-response',
} as const

/** What browsers must be allowed to read from payment responses (x402 clients run in browsers too). */
export const EXPOSED_HEADERS = 'PAYMENT-REQUIRED, PAYMENT-RESPONSE, X-PAYMENT-RESPONSE, X-Prepaid-Remaining'
