// Stand-ins for a Next.js app (see common.ts): `withPayment` from the app's tollgate module.
import type { PaywallOptions } from 'tollgate'
import type { NextTollgate, PaidContext } from 'tollgate/next'

export declare const withPayment: NextTollgate['withPayment']
export declare const price: PaywallOptions
export declare function serveReport(request: Request, context: PaidContext<{}>): Promise<Response>
