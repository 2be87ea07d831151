// Stand-ins for a buyer's app (see common.ts): a fetch that pays x402 challenges, and where the
// buyer keeps a credential.
export declare const pay: typeof fetch
export declare const savedCredential: string | undefined
export declare function save(credential: string): void
