/** The problems of a library ConfigurationError (anything else is a bug and is thrown on). */
export function problemsOf(error: unknown): string[] {
  if (error && typeof error === 'object' && Array.isArray((error as { problems?: unknown }).problems)) return [...(error as { problems: string[] }).problems]
  throw error
}
