import { isAddressEqual, recoverTypedDataAddress, type Address, type Hex, type TypedDataDefinition } from 'viem'
import type { ContractCalls } from '../settler/contract-calls.js'

const SECP256K1_HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

/**
 * Whether `signer` signed the typed data. EOA signatures are recovered locally (no RPC); anything
 * else (a contract account, an ERC-6492 wrapped signature of a wallet not deployed yet) is asked of
 * the chain (ERC-1271 / ERC-6492), as is a 65-byte signature that does not recover to `signer`
 * when `signer` holds code.
 */
export async function signedBy(calls: ContractCalls, signer: Address, typedData: TypedDataDefinition, signature: Hex): Promise<boolean> {
  const isEcdsa = signature.length === 132
  if (isEcdsa) {
    // High-s twins of valid signatures are refused on chain (EIP-2); refuse them here too.
    if (BigInt(`0x${signature.slice(66, 130)}`) > SECP256K1_HALF_ORDER) return false
    const recovered = await recoverTypedDataAddress({ ...(typedData as object), signature } as Parameters<typeof recoverTypedDataAddress>[0]).catch(() => undefined)
    if (recovered && isAddressEqual(recovered, signer)) return true
    const code = await calls.read((client) => client.getCode({ address: signer }))
    if (!code || code === '0x') return false
  }
  return calls.verifyTypedData(signer, typedData, signature)
}
