/**
 * Reads the TypeScript blocks of a markdown document as files of a fresh project.
 *
 * Conventions (also described in test/docs/README.md):
 * - Every ```ts block is a program fragment that must type-check. Blocks that are not TypeScript
 *   programs are fenced as ```sh or ```text and are not read.
 * - Names a block uses without declaring them (`app`, `gate`, `handler`, `settler`, …) come from prelude
 *   files in test/docs/preludes/: `common` always, plus the ones an HTML comment on the line before the
 *   fence names: `<!-- snippet: prelude=express -->` (comma-separated for several). Names the block
 *   declares itself win over a prelude's.
 * - A line that is only a path comment (`// app/data/route.ts`, or `// worker.ts (Cloudflare Workers)`)
 *   starts a new file at that path, so one block can show several files that import each other, or one
 *   file per framework; without one the block is `index.ts`. A file named after a prelude (`// koa.ts`)
 *   also gets that prelude.
 */

export interface SnippetFile {
  /** Path inside the snippet's own directory. */
  path: string
  /** The file's lines as they appear in the document. */
  source: string
  /** Document line (1-based) of the file's first source line. */
  firstLine: number
}

export interface Snippet {
  /** Document line (1-based) of the opening fence: the snippet's name in reports. */
  line: number
  preludes: string[]
  files: SnippetFile[]
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w+-]*)/
const DIRECTIVE = /^<!--\s*snippet:\s*(.*?)\s*-->$/
const FILE_COMMENT = /^\/\/\s*([\w.@[\]-]+(?:\/[\w.@[\]-]+)*\.tsx?)(?:\s+\(.*\))?\s*$/
const TYPESCRIPT = new Set(['ts', 'typescript', 'tsx'])

export function extractSnippets(markdown: string): Snippet[] {
  const lines = markdown.split('\n')
  const snippets: Snippet[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '')
    if (!open) continue
    const fence = open[2] ?? '```'
    let end = i + 1
    while (end < lines.length && !(lines[end] ?? '').trimStart().startsWith(fence)) end++
    if (TYPESCRIPT.has((open[3] ?? '').toLowerCase())) {
      snippets.push({ line: i + 1, preludes: directivePreludes(lines[i - 1], i), files: splitFiles(lines.slice(i + 1, end), i + 2) })
    }
    i = end
  }
  return snippets
}

function directivePreludes(previous: string | undefined, fenceIndex: number): string[] {
  const directive = DIRECTIVE.exec((previous ?? '').trim())
  if (!directive) return []
  const preludes: string[] = []
  for (const setting of (directive[1] ?? '').split(/\s+/).filter(Boolean)) {
    const [key, value] = setting.split('=', 2)
    if (key !== 'prelude' || !value) throw new Error(`line ${fenceIndex}: unknown snippet setting "${setting}" (known: prelude=name[,name])`)
    preludes.push(...value.split(',').filter(Boolean))
  }
  return preludes
}

function splitFiles(body: string[], firstLine: number): SnippetFile[] {
  const files: SnippetFile[] = []
  let current: SnippetFile = { path: 'index.ts', source: '', firstLine }
  let lines: string[] = []
  const flush = () => {
    if (lines.some((line) => line.trim() !== '')) files.push({ ...current, source: lines.join('\n') })
  }
  body.forEach((line, index) => {
    const named = FILE_COMMENT.exec(line.trim())
    if (!named) return lines.push(line)
    flush()
    // The path comment itself stays in the file, so line numbers match the document one to one.
    current = { path: named[1] ?? 'index.ts', source: '', firstLine: firstLine + index }
    lines = [line]
  })
  flush()
  return files
}
