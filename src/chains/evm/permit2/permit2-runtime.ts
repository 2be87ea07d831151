/*
 * What local Permit2 verification and settlement need of viem (typed-data recovery, call encoding,
 * chain reads), imported on a route's first Permit2 payment: importing tollgate loads none of it.
 */
export { verifyPermit2 } from './verify-permit2.js'
export { settlePermit2 } from './settle-permit2.js'
export { permit2SettlementCheck } from './permit2-state.js'
