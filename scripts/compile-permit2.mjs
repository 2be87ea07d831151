// Compiles the Permit2 test contracts once with the pinned solc (npm `solc`) and writes their
// artifacts to contracts/permit2/artifacts. Tests never compile: they read the committed files.
//  - PermitToken: an ERC-20 with EIP-2612 and no EIP-3009 (our own source).
//  - x402UptoPermit2Proxy: coinbase/x402 contracts/evm/src at dd927a26 with OpenZeppelin 5.5
//    (the submodule commit fcbae53) sources vendored under contracts/permit2/src; its runtime
//    code (Permit2's address is an immutable in it) is placed at the canonical address by tests.
// Run after changing a .sol file: `node scripts/compile-permit2.mjs`.
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'contracts', 'permit2')
const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]))
const sources = {}
for (const file of walk(join(root, 'src'))) {
  let path = relative(join(root, 'src'), file)
  if (path.startsWith('openzeppelin/')) path = `@openzeppelin/contracts/${path.slice('openzeppelin/'.length)}`
  sources[path] = { content: readFileSync(file, 'utf8') }
}
sources['PermitToken.sol'] = { content: readFileSync(join(root, 'PermitToken.sol'), 'utf8') }

const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    metadata: { appendCBOR: false },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
}
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: (p) => (sources[p] ? { contents: sources[p].content } : { error: `not found: ${p}` }) }))
const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
if (errors.length > 0) {
  for (const e of errors) process.stderr.write(`${e.formattedMessage}\n`)
  process.exit(1)
}
mkdirSync(join(root, 'artifacts'), { recursive: true })
const targets = [['PermitToken.sol', 'PermitToken'], ['x402/x402UptoPermit2Proxy.sol', 'x402UptoPermit2Proxy']]
for (const [file, name] of targets) {
  const c = output.contracts[file][name]
  const artifact = { contractName: name, compiler: solc.version(), abi: c.abi, bytecode: `0x${c.evm.bytecode.object}` }
  writeFileSync(join(root, 'artifacts', `${name}.json`), `${JSON.stringify(artifact, null, 2)}\n`)
  process.stdout.write(`wrote contracts/permit2/artifacts/${name}.json (${c.evm.bytecode.object.length / 2} bytes)\n`)
}
