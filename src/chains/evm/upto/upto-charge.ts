/**
 * What an upto handler may pass to `req.payment.charge()`: atomic units as a bigint or a string of
 * digits (`'1234567'`), token units with a dollar sign (`'$0.05'`, for dollar-pegged tokens), or a
 * percentage of the signed maximum with at most two decimals (`'50%'`, `'12.5%'`). The same three
 * forms as the official server's `settlementOverrides.amount`.
 */
export type ChargeInput = bigint | string

const ATOMIC = /^\d{1,78}$/
const DOLLARS = /^\$(\d+)(?:\.(\d+))?$/
const PERCENT = /^(\d{1,3})(?:\.(\d{1,2}))?%$/

/** The charge in atomic units, or why it cannot be one (a programming error of the seller). */
export function parseCharge(input: unknown, max: bigint, decimals: number): { ok: true; amount: bigint } | { ok: false; problem: string } {
  const shown = typeof input === 'string' ? JSON.stringify(input.slice(0, 40)) : typeof input === 'bigint' ? input.toString() : typeof input
  let amount: bigint
  if (typeof input === 'bigint') amount = input
  else if (typeof input !== 'string') return { ok: false, problem: `charge ${shown} must be a bigint or a string ('1234', '$0.05' or '50%'), not a ${typeof input}` }
  else if (ATOMIC.test(input)) amount = BigInt(input)
  else if (DOLLARS.test(input)) {
    const [, whole, fraction = ''] = DOLLARS.exec(input) as RegExpExecArray
    const significant = fraction.replace(/0+$/, '')
    if (significant.length > decimals) return { ok: false, problem: `charge ${shown} is finer than the token's ${decimals} decimals` }
    amount = BigInt((whole as string) + significant.padEnd(decimals, '0'))
  } else if (PERCENT.test(input)) {
    const [, whole, fraction = ''] = PERCENT.exec(input) as RegExpExecArray
    const hundredths = BigInt((whole as string) + fraction.padEnd(2, '0'))
    if (hundredths > 10_000n) return { ok: false, problem: `charge ${shown} is more than 100% of the maximum` }
    // Rounded down: a percentage never charges more than it says.
    amount = (max * hundredths) / 10_000n
  } else return { ok: false, problem: `charge ${shown} is not atomic units ('1234'), dollars ('$0.05') or a percentage of the maximum ('50%')` }
  if (amount < 0n) return { ok: false, problem: `charge ${shown} is negative` }
  if (amount > max) return { ok: false, problem: `charge ${amount} is above the maximum ${max} the buyer signed` }
  return { ok: true, amount }
}
