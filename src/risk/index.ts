/** The risk hook: a risk engine (a function or an HTTP service) decides on each presented payment; its decisions go with the receipts. */
export { riskEngine, PAYMENT_REVIEW_MESSAGE, RISK_DENIED_MESSAGE } from './risk-engine.js'
export type { RiskEngine, RiskEngineOptions, RiskEvidence } from './risk-engine.js'
export type { RiskDecision, RiskInput } from './risk-decision.js'
export { parsePaymentSecure, parseTraceparent, parseRiskSession } from './payment-secure.js'
export type { PaymentSecure } from './payment-secure.js'
export { httpEngine } from './http-engine.js'
export type { HttpEngineOptions } from './http-engine.js'
