// Stand-ins for an app serving tollgate/facilitator (see common.ts).
import type { FacilitatorHandler } from 'tollgate/facilitator'

export declare const facilitator: FacilitatorHandler
