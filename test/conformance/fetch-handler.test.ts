import { honoHandlerHarness } from './harness-fetch.js'
import { runConformance } from './cases.js'

// Its own file: two test chains in one process share the settler's nonce sequence (same chain id and key).
runConformance(honoHandlerHarness)
