import { honoMiddlewareHarness } from './harness-fetch.js'
import { runConformance } from './cases.js'

runConformance(honoMiddlewareHarness)
