import { fastifyHarness } from './harness-fastify.js'
import { runHookConformance } from './hooks-cases.js'

// Its own file (own process): two test chains in one process share the settler's nonce sequence.
runHookConformance(fastifyHarness)
