// Stand-ins for an Express app (see common.ts), and the imports an Express section's fragments take as given.
import type { Express, RequestHandler } from 'express'
import type { PaywallOptions } from 'tollgate'
import type { ExpressTollgate } from 'tollgate/express'

export { default as express } from 'express'
export { tollgate } from 'tollgate/express'
export declare const app: Express
export declare const gate: ExpressTollgate
export declare const price: PaywallOptions
export declare const handler: RequestHandler
export declare const report: RequestHandler
export declare const bulk: RequestHandler
