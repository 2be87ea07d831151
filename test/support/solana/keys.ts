import { randomBytes } from 'node:crypto'
import {
  createKeyPairSignerFromBytes,
  createKeyPairSignerFromPrivateKeyBytes,
  getBase58Decoder,
  getBase58Encoder,
  type Address,
  type KeyPairSigner,
} from '@solana/kit'

/** A Solana keypair the tests can hand to a settler or a child process: 64 bytes = seed ‖ public key. */
export interface SolanaKeypair {
  address: Address
  /** The usual 64-byte secret key (seed ‖ public key), as in a `solana-keygen` JSON file. */
  secretKey: Uint8Array
  /** The same 64 bytes in base58, as wallets export them. */
  secretKeyBase58: string
}

/** A fresh keypair whose secret the test keeps (kit's generateKeyPairSigner makes non-extractable keys). */
export async function newKeypair(): Promise<SolanaKeypair> {
  const seed = new Uint8Array(randomBytes(32))
  const signer = await createKeyPairSignerFromPrivateKeyBytes(seed)
  const secretKey = new Uint8Array(64)
  secretKey.set(seed, 0)
  secretKey.set(getBase58Encoder().encode(signer.address), 32)
  return { address: signer.address, secretKey, secretKeyBase58: getBase58Decoder().decode(secretKey) }
}

export function keypairFromBase58(secretKeyBase58: string, address: Address): SolanaKeypair {
  const secretKey = new Uint8Array(getBase58Encoder().encode(secretKeyBase58))
  return { address, secretKey, secretKeyBase58 }
}

export function signerOf(keypair: SolanaKeypair): Promise<KeyPairSigner> {
  return createKeyPairSignerFromBytes(keypair.secretKey)
}
