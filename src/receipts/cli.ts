#!/usr/bin/env node
// The `tollgate` command (`npx tollgate reconcile …`): the only place that writes to the console.
import { runCli } from './reconcile-cli.js'

void runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
}).then((code) => {
  process.exitCode = code
})
