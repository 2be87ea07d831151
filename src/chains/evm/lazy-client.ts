import type { HttpTransportConfig, PublicClient } from 'viem'

/**
 * A viem PublicClient over HTTP, imported and built on first use: code that reads a chain through it
 * loads viem only when it reads, so a seller who takes only Solana payments never does. A failed
 * import is tried again on the next use.
 */
export function lazyPublicClient(url: string, transport: HttpTransportConfig = {}): () => Promise<PublicClient> {
  let client: Promise<PublicClient> | undefined
  return () => {
    if (!client) {
      const made = import('viem').then(({ createPublicClient, http }) => createPublicClient({ transport: http(url, transport) }) as PublicClient)
      made.catch(() => {
        if (client === made) client = undefined
      })
      client = made
    }
    return client
  }
}
