// Stand-ins for a Hono app on tollgate/fetch (see common.ts).
import type { Hono } from 'hono'
import type { FetchPaywall } from 'tollgate/fetch'

export declare const app: Hono
export declare const paid: FetchPaywall
export declare const serve: Parameters<FetchPaywall>[1]
