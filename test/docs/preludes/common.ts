// Stand-ins for what a README snippet uses without declaring it: the reader's own values, defined
// elsewhere in their app. Only their types matter; the snippet test never runs this file.
import type { EvmSettler, Store, VerifiedPayment } from 'tollgate'

export declare const payTo: `0x${string}`
export declare const settler: EvmSettler
export declare const store: Store
export declare const privateKey: `0x${string}`
export declare const rpcUrl: string
/** A Web request, as the core and the fetch adapter take. */
export declare const request: Request
export declare const credentialId: string
/** The reader's fetch handler for a paid request. */
export declare function handler(request: Request, payment: VerifiedPayment): Promise<Response>
