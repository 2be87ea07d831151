/** What a wallet's refusal means for the buyer, from its EIP-1193 error code. */

export interface ProviderError {
  code?: number
  message?: string
}

export const USER_REJECTED = 4001
export const UNRECOGNIZED_CHAIN = 4902

export function errorCode(error: unknown): number | undefined {
  const seen = error as ProviderError & { data?: { originalError?: ProviderError }; cause?: ProviderError }
  const code = seen?.code ?? seen?.data?.originalError?.code ?? seen?.cause?.code
  return typeof code === 'number' ? code : undefined
}

export function errorText(error: unknown): string {
  const message = (error as ProviderError)?.message
  return typeof message === 'string' && message !== '' ? message.slice(0, 300) : String(error).slice(0, 300)
}

/** A failure the widget explains to the buyer: `code` is stable (tests and the status line's data-code read it). */
export class PayError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}
