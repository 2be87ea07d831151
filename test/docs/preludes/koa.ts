// Stand-ins for a Koa app (see common.ts).
import type Router from '@koa/router'
import type Koa from 'koa'
import type { PaywallOptions } from 'tollgate'
import type { KoaTollgate } from 'tollgate/koa'

export declare const app: Koa
export declare const router: Router
export declare const gate: KoaTollgate
export declare const price: PaywallOptions
export declare const serveFile: Koa.Middleware
