import { expressHarness } from './harness-express.js'
import { runConformance } from './cases.js'

runConformance(expressHarness)
