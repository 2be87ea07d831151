import { nextHarness } from './harness-next.js'
import { runConformance } from './cases.js'

runConformance(nextHarness)
