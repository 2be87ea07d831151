import { ConfigurationError } from '../errors/tollgate-error.js'

/**
 * A route price: a decimal string in token units (`'0.10'`, `'$0.10'`) or an exact number of
 * atomic units (`{ atomic: '100000' }` or a bigint). JavaScript numbers are refused: a float is
 * how `1.005 * 1e6` becomes 1004999.9999999999.
 */
export type Price = string | bigint | { atomic: string | bigint }

const DECIMAL = /^\$?(\d+)(?:\.(\d+))?$/
const ATOMIC = /^\d+$/
const UINT256_MAX = (1n << 256n) - 1n

/**
 * Converts a price to atomic units of a token with `decimals` decimals, exactly.
 * Throws a ConfigurationError for anything that is not a positive amount of at least one unit.
 */
export function parseAmount(price: Price, decimals: number): bigint {
  if (typeof price === 'bigint') return checkRange(price, price.toString())
  if (typeof price === 'string') return checkRange(parseDecimal(price, decimals), price)
  if (price !== null && typeof price === 'object' && 'atomic' in price) {
    const atomic = price.atomic
    return checkRange(typeof atomic === 'bigint' ? atomic : parseAtomicString(atomic), String(atomic))
  }
  throw new ConfigurationError([
    `price ${String(price)} must be a decimal string such as '0.10' or { atomic: '100000' }, not a ${typeof price}`,
  ])
}

function parseAtomicString(value: unknown): bigint {
  if (typeof value !== 'string' || !ATOMIC.test(value)) {
    throw new ConfigurationError([`atomic amount ${JSON.stringify(value)} must be a string of digits`])
  }
  return BigInt(value)
}

function parseDecimal(text: string, decimals: number): bigint {
  const match = DECIMAL.exec(text.trim())
  if (!match) {
    throw new ConfigurationError([
      `price ${JSON.stringify(text)} is not a plain decimal amount (expected digits with an optional '$' and fraction, e.g. '0.10')`,
    ])
  }
  const whole = match[1] as string
  const fraction = match[2] ?? ''
  const significant = fraction.replace(/0+$/, '')
  if (significant.length > decimals) {
    throw new ConfigurationError([
      `price ${JSON.stringify(text)} has more precision than the token's ${decimals} decimals (smallest unit is ${formatAmount(1n, decimals)})`,
    ])
  }
  return BigInt(whole + significant.padEnd(decimals, '0'))
}

function checkRange(amount: bigint, shown: string): bigint {
  if (amount < 1n) throw new ConfigurationError([`price ${shown} is below one atomic unit of the token`])
  if (amount > UINT256_MAX) throw new ConfigurationError([`price ${shown} does not fit in a uint256`])
  return amount
}

/** Formats atomic units as a decimal string in token units, without trailing zeros (`100000n, 6` → `'0.1'`). */
export function formatAmount(atomic: bigint, decimals: number): string {
  const negative = atomic < 0n
  const digits = (negative ? -atomic : atomic).toString().padStart(decimals + 1, '0')
  const whole = digits.slice(0, digits.length - decimals)
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}
