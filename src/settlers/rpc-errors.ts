import { BaseError, HttpRequestError, TimeoutError } from 'viem'

/**
 * True when the endpoint could not be reached or did not answer in time, as opposed to a node
 * that answered with an error (a revert, a rejected transaction). Only the latter is a verdict.
 */
export function isUnreachable(error: unknown): boolean {
  if (error instanceof BaseError) {
    return error.walk((e) => e instanceof HttpRequestError || e instanceof TimeoutError) !== null
  }
  return error instanceof TypeError // fetch() rejects with a TypeError when the connection fails
}

export function errorDetail(error: unknown): string {
  if (error instanceof BaseError) return error.details || error.shortMessage
  return error instanceof Error ? error.message : String(error)
}
