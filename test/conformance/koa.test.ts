import { koaHarness } from './harness-koa.js'
import { runConformance } from './cases.js'

runConformance(koaHarness)
