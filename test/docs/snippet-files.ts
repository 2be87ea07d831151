/**
 * Writes snippets into a fresh project as files that import what they use from the preludes, and maps
 * the compiler's errors back to document lines.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, posix, relative } from 'node:path'
import ts from 'typescript'
import type { Diagnostic } from './fresh-project.js'
import type { Snippet } from './snippets.js'

/** Type stand-ins, for type-checking. */
export const PRELUDES = 'preludes'
/** Values for the few snippets the test also runs (same names, real values). */
export const RUN_PRELUDES = 'preludes-run'

export interface Preludes {
  /** Directory name under test/docs/, copied to the project under the same name. */
  dir: string
  /** Each prelude's exported names. */
  names: Map<string, string[]>
}

/** Each prelude's exported names, read from test/docs/<dir>/<name>.ts. */
export function readPreludes(dir = PRELUDES): Preludes {
  const names = new Map<string, string[]>()
  const path = join(import.meta.dirname, dir)
  // Declaration files (`.d.ts`) are ambient: stand-ins for packages the reader installs, seen by every file.
  for (const file of readdirSync(path).filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))) {
    names.set(file.slice(0, -3), exportedNames(readFileSync(join(path, file), 'utf8')))
  }
  return { dir, names }
}

export interface WrittenFile {
  /** Path relative to the project root, as tsc reports it. */
  path: string
  snippet: Snippet
  /** Document line of the file's line 1. */
  firstLine: number
}

/**
 * Writes each snippet's files under `<root>/<dir>/L<line>/`. The one added import goes on the file's last
 * line, so every line keeps its own number.
 */
export function writeSnippets(root: string, dir: string, snippets: Snippet[], { dir: preludeDir, names: preludes }: Preludes): WrittenFile[] {
  cpSync(join(import.meta.dirname, preludeDir), join(root, preludeDir), { recursive: true })
  const written: WrittenFile[] = []
  for (const snippet of snippets) {
    for (const file of snippet.files) {
      const path = posix.join(dir, `L${snippet.line}`, file.path)
      const declared = declaredNames(file.source)
      const imports: string[] = []
      const taken = new Set(declared)
      // A file named after a prelude (`// koa.ts`) gets that prelude: one block may show each framework.
      const own = posix.basename(file.path).replace(/\.tsx?$/, '')
      // The named preludes come first: their `app` or `handler` is more specific than common's.
      for (const name of [...(preludes.has(own) ? [own] : []), ...snippet.preludes, 'common']) {
        const names = preludes.get(name)
        if (!names) throw new Error(`README line ${snippet.line}: no prelude "${name}" in test/docs/${preludeDir} (have: ${[...preludes.keys()].join(', ')})`)
        const wanted = names.filter((exported) => !taken.has(exported) && usesName(file.source, exported))
        wanted.forEach((exported) => taken.add(exported))
        const from = relative(dirname(join(root, path)), join(root, preludeDir, name)).split('\\').join('/')
        if (wanted.length > 0) imports.push(`import { ${wanted.join(', ')} } from '${from.startsWith('.') ? from : `./${from}`}'`)
      }
      mkdirSync(dirname(join(root, path)), { recursive: true })
      writeFileSync(join(root, path), `${file.source}\n${imports.join('; ')}\n`)
      written.push({ path, snippet, firstLine: file.firstLine })
    }
  }
  return written
}

export interface SnippetError {
  /** Document line of the error, and the snippet's opening fence. */
  line: number
  snippetLine: number
  message: string
}

export function documentErrors(diagnostics: Diagnostic[], written: WrittenFile[]): SnippetError[] {
  const byPath = new Map(written.map((file) => [file.path, file]))
  return diagnostics.map((diagnostic) => {
    const file = byPath.get(diagnostic.file)
    if (!file) throw new Error(`an error outside the snippets: ${diagnostic.file}(${diagnostic.line}): ${diagnostic.message}`)
    return { line: file.firstLine + diagnostic.line - 1, snippetLine: file.snippet.line, message: diagnostic.message }
  })
}

function exportedNames(source: string): string[] {
  const file = ts.createSourceFile('prelude.ts', source, ts.ScriptTarget.Latest)
  const names: string[] = []
  for (const statement of file.statements) {
    // `export { tollgate } from 'tollgate/express'`: a prelude may hand on a real import too.
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      names.push(...statement.exportClause.elements.map((element) => element.name.text))
    }
    const exported = ts.canHaveModifiers(statement) && ts.getModifiers(statement)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
    if (exported) names.push(...statementNames(statement))
  }
  return names
}

/** Names a snippet declares at its top level: imports, variables (destructured too), functions, classes, types. */
function declaredNames(source: string): string[] {
  const file = ts.createSourceFile('snippet.ts', source, ts.ScriptTarget.Latest)
  return file.statements.flatMap(statementNames)
}

function statementNames(statement: ts.Statement): string[] {
  if (ts.isImportDeclaration(statement)) {
    const clause = statement.importClause
    if (!clause) return []
    const bindings = clause.namedBindings
    const named = bindings && ts.isNamedImports(bindings) ? bindings.elements.map((element) => element.name.text) : bindings ? [bindings.name.text] : []
    return [...(clause.name ? [clause.name.text] : []), ...named]
  }
  if (ts.isVariableStatement(statement)) return statement.declarationList.declarations.flatMap((declaration) => bindingNames(declaration.name))
  if (
    (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement) || ts.isEnumDeclaration(statement)) &&
    statement.name
  ) {
    return [statement.name.text]
  }
  return []
}

function bindingNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text]
  return name.elements.flatMap((element) => (ts.isOmittedExpression(element) ? [] : bindingNames(element.name)))
}

/** A cheap word test: importing a name the file does not use would only hide nothing, but keeps imports short. */
function usesName(source: string, name: string): boolean {
  return new RegExp(`(^|[^\\w$.])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(source)
}
