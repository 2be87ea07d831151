/** Output helpers of the demo: numbered steps, aligned short lines, token amounts as decimals. */

const color = process.stdout.isTTY === true && !process.env.NO_COLOR
const paint = (code: string) => (text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text)
export const bold = paint('1')
export const dim = paint('2')
export const green = paint('32')
export const red = paint('31')

let stepNumber = 0

export function step(title: string): void {
  stepNumber += 1
  console.log(`\n${bold(`${stepNumber}. ${title}`)}`)
}

/** One indented `label  value` line; labels of a step line up when given the same width. */
export function line(label: string, value = '', width = 16): void {
  console.log(`   ${label.padEnd(width)} ${value}`.trimEnd())
}

export function note(text: string): void {
  console.log(`   ${text}`)
}

/** Atomic units as a decimal with at least two fraction digits: `100000000n, 6` → `100.00`. */
export function formatUnits(atomic: bigint, decimals: number): string {
  const negative = atomic < 0n
  const digits = (negative ? -atomic : atomic).toString().padStart(decimals + 1, '0')
  const whole = digits.slice(0, digits.length - decimals)
  let fraction = digits.slice(digits.length - decimals).replace(/0+$/, '')
  if (fraction.length < 2) fraction = fraction.padEnd(Math.min(2, decimals), '0')
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`
}

/** `0x1234…cdef` for long hex strings (signatures); short ones are left whole. */
export function shorten(hex: string, keep = 10): string {
  return hex.length <= keep * 2 + 1 ? hex : `${hex.slice(0, keep)}…${hex.slice(-keep + 2)}`
}

export function decodeBase64Json<T>(header: string): T {
  return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as T
}
