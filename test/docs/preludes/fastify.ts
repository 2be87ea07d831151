// Stand-ins for a Fastify app (see common.ts).
import type { FastifyInstance, RouteHandlerMethod } from 'fastify'
import type { PaywallOptions } from 'tollgate'
import type { FastifyTollgate } from 'tollgate/fastify'

export declare const app: FastifyInstance
export declare const fastify: FastifyInstance
export declare const gate: FastifyTollgate
export declare const price: PaywallOptions
export declare const serveFile: RouteHandlerMethod
