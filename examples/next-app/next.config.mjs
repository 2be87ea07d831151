/**
 * Plain JavaScript on purpose: a next.config.ts would pull Next's global types (which redefine
 * process.env) into the repository's own type check, which includes examples/.
 * @type {import('next').NextConfig}
 */
const config = {

  // This example imports tollgate's TypeScript source, whose imports name `.js` files (ESM style).
  // webpack maps them to `.ts`; Turbopack cannot yet, hence `--webpack`. An app importing the
  // published `tollgate/next` needs neither.
  experimental: { extensionAlias: { '.js': ['.ts', '.js'] } },
}

export default config
