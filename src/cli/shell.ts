/** Quotes a word for a POSIX shell when it needs it (`Acme Corp` → `'Acme Corp'`). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_\-.,:/=@+%]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from its words, quoted where needed. */
export function shellLine(words: readonly string[]): string {
  return words.map(shellQuote).join(" ");
}
