/**
 * `tollgate/prepaid`: sell packages of calls paid once, spent with a credential the server counts.
 * Node only (credentials are HS256 JWTs through jsonwebtoken).
 */
import { createPrepaidPlan } from './prepaid-plan.js'
import type { PrepaidOptions } from './prepaid-options.js'
import type { PrepaidSetup } from './prepaid-setup.js'

/** `tollgate({ payTo, settler, prepaid: prepaid({ secret, packages }) })`. Checked when tollgate() is built. */
export function prepaid(options: PrepaidOptions): PrepaidSetup {
  return { create: (dependencies) => createPrepaidPlan(options, dependencies) }
}

export { createPrepaidPlan }
export type { CredentialStatus, PrepaidDependencies, PrepaidPlan } from './prepaid-plan.js'
export type { CredentialKey, PrepaidOptions, PrepaidPackage } from './prepaid-options.js'
export type { PrepaidSetup } from './prepaid-setup.js'
