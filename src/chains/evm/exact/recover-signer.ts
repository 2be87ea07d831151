import { secp256k1 } from '@noble/curves/secp256k1'
import { keccak_256 } from '@noble/hashes/sha3'
import { bytesToHex, hexToBytes } from '@noble/hashes/utils'
import type { Address, Hex } from 'viem'
import { isEvmAddress } from '../../../config/evm-address.js'
import type { Eip3009Authorization } from '../settler/evm-chain.js'

/**
 * EIP-3009 signer recovery, on the hot path of every paid request. viem's `recoverTypedDataAddress`
 * re-encodes the whole EIP-712 structure and recovers in pure JS (~2 ms); here the domain
 * separator is computed once per token, the struct is encoded with fixed 32-byte words, and the
 * recovery runs in libsecp256k1 (the `secp256k1` package's prebuilt binding) when it loads. Where it
 * cannot (edge runtimes, a platform without a prebuilt binary) @noble/curves recovers in pure JS (as
 * viem does inside), so the answer is the same everywhere; only the speed differs. No viem here: a
 * seller who takes only Solana payments never loads it.
 */

const encoder = new TextEncoder()
const keccak = (bytes: Uint8Array): Uint8Array => keccak_256(bytes)
const UINT256_LIMIT = 1n << 256n

const DOMAIN_TYPE_HASH = keccak(encoder.encode('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)'))
const TRANSFER_TYPE_HASH = keccak(
  encoder.encode('TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)'),
)

export interface Eip712Token {
  address: Address
  name: string
  version: string
}

const separators = new Map<string, Uint8Array>()

function domainSeparator(token: Eip712Token, chainId: number): Uint8Array {
  const key = JSON.stringify([chainId, token.address.toLowerCase(), token.name, token.version])
  let separator = separators.get(key)
  if (!separator) {
    const words = concat([DOMAIN_TYPE_HASH, keccak(encoder.encode(token.name)), keccak(encoder.encode(token.version)), word(BigInt(chainId)), addressWord(token.address)])
    separator = keccak(words)
    // Tokens come from the seller's configuration: the map stays as small as the network table.
    if (separators.size < 1_024) separators.set(key, separator)
  }
  return separator
}

/** The EIP-712 digest an EIP-3009 `TransferWithAuthorization` signs; undefined for out-of-range values. */
export function authorizationDigest(token: Eip712Token, chainId: number, a: Eip3009Authorization): Uint8Array | undefined {
  for (const value of [a.value, a.validAfter, a.validBefore]) if (value < 0n || value >= UINT256_LIMIT) return undefined
  if (!/^0x[0-9a-fA-F]{64}$/.test(a.nonce) || !isEvmAddress(a.from) || !isEvmAddress(a.to)) return undefined
  const struct = keccak(concat([TRANSFER_TYPE_HASH, addressWord(a.from), addressWord(a.to), word(a.value), word(a.validAfter), word(a.validBefore), hexBytes(a.nonce)]))
  return keccak(concat([Uint8Array.of(0x19, 0x01), domainSeparator(token, chainId), struct]))
}

export type NativeRecover = (signature: Uint8Array, recoveryId: number, digest: Uint8Array, compressed: boolean, output: Uint8Array) => Uint8Array
let nativeRecover: Promise<NativeRecover | undefined> | undefined

// A variable specifier keeps bundlers for edge runtimes from trying to pack a native addon.
const NATIVE_BINDING = 'secp256k1/bindings'

/** libsecp256k1 when this is Node and the prebuilt binding loads; otherwise undefined (pure JS is used). */
export function nativeRecovery(): Promise<NativeRecover | undefined> {
  nativeRecover ??= (typeof process === 'object' && typeof process.versions?.node === 'string'
    ? import(/* webpackIgnore: true */ /* @vite-ignore */ NATIVE_BINDING).then(
        (module: { default?: { ecdsaRecover?: NativeRecover }; ecdsaRecover?: NativeRecover }) => {
          const binding = module.default ?? module
          return typeof binding.ecdsaRecover === 'function' ? binding.ecdsaRecover.bind(binding) : undefined
        },
        () => undefined,
      )
    : Promise.resolve(undefined)) as Promise<NativeRecover | undefined>
  return nativeRecover
}

/**
 * The address (lowercase) that produced a 65-byte ECDSA signature over `digest`, or undefined when it
 * recovers to nothing. `v` is 27/28 or 0/1, as viem accepts; high-s is the caller's rule (EIP-2).
 */
export async function recoverSigner(digest: Uint8Array, signature: Hex): Promise<Address | undefined> {
  return recoverSignerWith(await nativeRecovery(), digest, signature)
}

/** `recoverSigner` with the recovery chosen by the caller: tests hold both paths to one answer. */
export async function recoverSignerWith(native: NativeRecover | undefined, digest: Uint8Array, signature: Hex): Promise<Address | undefined> {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return undefined
  const v = Number.parseInt(signature.slice(130), 16)
  const recoveryId = v === 0 || v === 27 ? 0 : v === 1 || v === 28 ? 1 : -1
  if (recoveryId < 0) return undefined
  try {
    const publicKey = native ? native(hexBytes(signature.slice(0, 130) as Hex), recoveryId, digest, false, new Uint8Array(65)) : pureRecovery(signature, recoveryId, digest)
    return `0x${toHex(keccak(publicKey.subarray(1))).slice(26)}` as Address
  } catch {
    // Both refuse r or s of zero or past the curve order (and a point off the curve) by throwing.
    return undefined
  }
}

function pureRecovery(signature: Hex, recoveryId: number, digest: Uint8Array): Uint8Array {
  return secp256k1.Signature.fromCompact(signature.slice(2, 130)).addRecoveryBit(recoveryId).recoverPublicKey(digest).toRawBytes(false)
}

function word(value: bigint): Uint8Array {
  return hexBytes(`0x${value.toString(16).padStart(64, '0')}`)
}

function addressWord(address: string): Uint8Array {
  return hexBytes(`0x${address.slice(2).toLowerCase().padStart(64, '0')}`)
}

const hexBytes = (hex: string): Uint8Array => hexToBytes(hex.slice(2))
const toHex = (bytes: Uint8Array): Hex => `0x${bytesToHex(bytes)}`

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let offset = 0
  for (const part of parts) {
    out.set(part, offset)
    offset += part.length
  }
  return out
}
