// Tiny `--name value` / `--flag` parser shared by the scripts (no dependency for six options).
export function parseArgs(argv) {
  const positional = []
  const options = {}
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]
    if (!arg.startsWith('--')) {
      positional.push(arg)
      continue
    }
    const name = arg.slice(2)
    const next = argv[i + 1]
    if (next === undefined || next.startsWith('--')) options[name] = true
    else {
      options[name] = next
      i++
    }
  }
  return { positional, options }
}

export function print(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}
