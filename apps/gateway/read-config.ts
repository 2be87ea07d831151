/**
 * Reads a gateway configuration file (JSON, or YAML through the `yaml` package) into a plain
 * object. YAML reads `0x…` as a number and `price: 0.10` as a float; money and addresses must stay
 * exactly as written, so those scalars keep their source text.
 */
import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { isScalar, parseDocument, visit } from 'yaml'

/** Keys whose values are amounts: written unquoted in YAML they are still the decimal the seller typed. */
const MONEY_KEYS = new Set(['price', 'amount', 'minGasBalance'])

export class ConfigFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigFileError'
  }
}

export async function readConfigFile(path: string): Promise<unknown> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ConfigFileError(`cannot read the configuration file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`)
  }
  const extension = extname(path).toLowerCase()
  if (extension === '.json') {
    try {
      return JSON.parse(text) as unknown
    } catch (error) {
      throw new ConfigFileError(`${path} is not valid JSON: ${(error as Error).message}`)
    }
  }
  if (extension !== '.yaml' && extension !== '.yml') throw new ConfigFileError(`${path}: the configuration file must end in .json, .yaml or .yml`)
  return parseYaml(text, path)
}

export function parseYaml(text: string, label = 'the configuration'): unknown {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true })
  if (document.errors.length > 0) {
    throw new ConfigFileError(`${label} is not valid YAML:\n  - ${document.errors.map((error) => error.message.split('\n')[0]).join('\n  - ')}`)
  }
  visit(document, {
    Pair(_key, pair) {
      const value = pair.value
      if (!isScalar(value) || typeof value.value !== 'number' || typeof value.source !== 'string') return
      const key = isScalar(pair.key) ? pair.key.value : undefined
      if (value.source.toLowerCase().startsWith('0x') || (typeof key === 'string' && MONEY_KEYS.has(key))) value.value = value.source
    },
    Scalar(_key, node) {
      // List items (`networks: [0xabc…]`) have no key: an address is still an address.
      if (typeof node.value === 'number' && typeof node.source === 'string' && node.source.toLowerCase().startsWith('0x')) node.value = node.source
    },
  })
  return document.toJS()
}
