/**
 * tollgate/facilitator: run your own x402 facilitator for several apps, on tollgate's local
 * verification, settlement and replay guard. The handler is Web-standard, so it mounts in any
 * framework (Next route handlers, Hono, Bun, Deno; Express through a small bridge).
 */
export { facilitatorHandler } from './facilitator-handler.js'
export type { FacilitatorHandler, FacilitatorHandlerOptions } from './facilitator-handler.js'
export type { Authorize } from './caller-auth.js'
export type { SettleResponse, SupportedResponse, VerifyResponse } from '../facilitator/facilitator-wire.js'
export { localSettler, memoryStore } from '../index.js'
export type { LocalSettlerOptions, NetworkDefinition, Store, TokenInfo } from '../index.js'
