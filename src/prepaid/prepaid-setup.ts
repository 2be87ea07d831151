import type { PrepaidDependencies, PrepaidPlan } from './prepaid-plan.js'

/**
 * Prepaid packages, ready to be mounted by `tollgate({ prepaid })`. It comes from `prepaid()` in
 * `tollgate/prepaid`, so the credential code (jsonwebtoken, node:crypto) is loaded only by sellers
 * who sell packages, and every other seller's bundle stays fit for edge runtimes.
 */
export interface PrepaidSetup {
  create(dependencies: PrepaidDependencies): PrepaidPlan
}
