/**
 * The one base error of tollgate. `code` is stable across releases so callers can branch on it;
 * the message is for humans and may change.
 */
export class TollgateError extends Error {
  readonly code: string

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TollgateError'
    this.code = code
  }
}

/**
 * Thrown at construction when a seller's configuration is wrong. It collects every problem at
 * once so a seller fixes them in one pass instead of one restart per mistake.
 */
export class ConfigurationError extends TollgateError {
  readonly problems: readonly string[]

  constructor(problems: readonly string[]) {
    super('invalid_configuration', `tollgate configuration is invalid:\n  - ${problems.join('\n  - ')}`)
    this.name = 'ConfigurationError'
    this.problems = problems
  }
}

/** The replay store could not answer: the gate fails closed (503, nothing served, nothing charged). */
export class StoreUnavailableError extends TollgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('store_unavailable', message, options)
    this.name = 'StoreUnavailableError'
  }
}

/** The chain (RPC) could not answer a read or a submission. */
export class ChainUnavailableError extends TollgateError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('chain_unavailable', message, options)
    this.name = 'ChainUnavailableError'
  }
}

/** Collects configuration problems and throws them together. */
export class ProblemList {
  private readonly problems: string[] = []

  add(problem: string): void {
    this.problems.push(problem)
  }

  /** Runs `fn`, recording a thrown ConfigurationError's problems instead of stopping. */
  collect<T>(fn: () => T): T | undefined {
    try {
      return fn()
    } catch (error) {
      if (error instanceof ConfigurationError) {
        this.problems.push(...error.problems)
        return undefined
      }
      throw error
    }
  }

  throwIfAny(): void {
    if (this.problems.length > 0) throw new ConfigurationError(this.problems)
  }
}
