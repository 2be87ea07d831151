/**
 * `trustProxy`: the addresses of the reverse proxies in front of the gateway (IPs, CIDR ranges, or
 * 'loopback', 'linklocal', 'uniquelocal'), as Fastify's trustProxy list takes them. A request from
 * one of them has its X-Forwarded-Proto and X-Forwarded-Host believed, so the challenges' resource
 * URL is the public one the buyer used. By address, not by hop count: a client reaching the gateway
 * directly could write those headers itself, and Fastify refuses hop-count trust for that reason.
 */
import { isIP } from 'node:net'
import { show } from '../../src/config/config-shape.js'

const NAMED = ['loopback', 'linklocal', 'uniquelocal']

function entryProblem(entry: unknown): string | undefined {
  if (typeof entry !== 'string') return `trustProxy entry ${show(entry)} must be a string`
  if (NAMED.includes(entry)) return undefined
  const [address, prefix, ...rest] = entry.split('/')
  const family = isIP(address ?? '')
  if (family === 0 || rest.length > 0) return `trustProxy entry ${show(entry)} is not an IP address, a CIDR range (10.0.0.0/8) or one of ${NAMED.join(', ')}`
  if (prefix === undefined) return undefined
  const bits = family === 4 ? 32 : 128
  if (!/^\d{1,3}$/.test(prefix) || Number(prefix) > bits) return `trustProxy entry ${show(entry)}: the prefix must be a whole number from 0 to ${bits}`
  return undefined
}

/** The checked list (undefined when not set: no proxy is trusted). */
export function checkTrustProxy(value: unknown, problems: string[]): string[] | undefined {
  if (value === undefined) return undefined
  const list = typeof value === 'string' ? [value] : value
  if (!Array.isArray(list) || list.length === 0) {
    problems.push(`trustProxy must be a proxy address or a list of them (IPs, CIDR ranges, loopback), not ${show(value)}`)
    return undefined
  }
  const found = list.map(entryProblem).filter((problem): problem is string => problem !== undefined)
  problems.push(...found)
  return found.length === 0 ? (list as string[]) : undefined
}
