// Compiles the test contracts with the pinned solc (npm `solc`) and writes ABI + bytecode to
// contracts/artifacts/*.json. Tests and the demo read the committed artifacts and never compile,
// so run this only after changing a .sol file: `npm run compile:token`.
import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import solc from 'solc'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const contracts = ['TestToken', 'TestWallet']

const input = {
  language: 'Solidity',
  sources: Object.fromEntries(
    contracts.map((name) => [`${name}.sol`, { content: readFileSync(join(root, 'contracts', `${name}.sol`), 'utf8') }]),
  ),
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
}

const output = JSON.parse(solc.compile(JSON.stringify(input)))
const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
if (errors.length > 0) {
  for (const e of errors) process.stderr.write(`${e.formattedMessage}\n`)
  process.exit(1)
}

for (const name of contracts) {
  const compiled = output.contracts[`${name}.sol`][name]
  const artifact = { contractName: name, compiler: solc.version(), abi: compiled.abi, bytecode: `0x${compiled.evm.bytecode.object}` }
  writeFileSync(join(root, 'contracts', 'artifacts', `${name}.json`), `${JSON.stringify(artifact, null, 2)}\n`)
  process.stdout.write(`wrote contracts/artifacts/${name}.json (${compiled.evm.bytecode.object.length / 2} bytes)\n`)
}
