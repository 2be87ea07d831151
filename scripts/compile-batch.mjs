// Compiles contracts/batch/BatchCaller.sol (our own Multicall3-compatible aggregate3, for local
// chains) with the pinned solc (npm `solc`) and writes its artifact with the runtime code tests
// place at Multicall3's address. Tests never compile: they read the committed file.
// Run after changing the .sol file: `node scripts/compile-batch.mjs`.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'contracts', 'batch')
const input = {
  language: 'Solidity',
  sources: { 'BatchCaller.sol': { content: readFileSync(join(root, 'BatchCaller.sol'), 'utf8') } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    metadata: { appendCBOR: false },
    outputSelection: { '*': { '*': ['abi', 'evm.deployedBytecode.object'] } },
  },
}
const output = JSON.parse(solc.compile(JSON.stringify(input)))
const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
if (errors.length > 0) {
  for (const e of errors) process.stderr.write(`${e.formattedMessage}\n`)
  process.exit(1)
}
const c = output.contracts['BatchCaller.sol'].BatchCaller
mkdirSync(join(root, 'artifacts'), { recursive: true })
const artifact = { contractName: 'BatchCaller', compiler: solc.version(), abi: c.abi, deployedBytecode: `0x${c.evm.deployedBytecode.object}` }
writeFileSync(join(root, 'artifacts', 'BatchCaller.json'), `${JSON.stringify(artifact, null, 2)}\n`)
process.stdout.write(`wrote contracts/batch/artifacts/BatchCaller.json (${c.evm.deployedBytecode.object.length / 2} bytes of runtime code)\n`)
