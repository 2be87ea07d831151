import { fastifyHarness } from './harness-fastify.js'
import { runConformance } from './cases.js'

runConformance(fastifyHarness)
