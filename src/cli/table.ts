/**
 * Plain-text and Markdown tables that stay aligned with accents, combining marks and wide (CJK) characters.
 * No colours, no box drawing: the output reads the same in a terminal, a log file and a CI page.
 */

/** East Asian wide and fullwidth ranges: two terminal columns each. */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x1f300, 0x1f64f],
  [0x1f900, 0x1f9ff],
  [0x20000, 0x3fffd],
];

// Colour codes (SGR escape sequences) take no column.
// eslint-disable-next-line no-control-regex -- the escape character is exactly what is matched
const SGR = /\u001b\[[0-9;]*m/g;

/** Columns a string takes in a terminal (and in Prettier's table alignment); colour codes take none. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text.replace(SGR, "").normalize("NFC")) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || (code >= 0x7f && code < 0xa0)) continue;
    // Combining marks and zero-width characters take no column.
    if (/\p{Mn}|\p{Me}|\u200b|\u200c|\u200d|\ufeff/u.test(char)) continue;
    width += WIDE.some(([from, to]) => code >= from && code <= to) ? 2 : 1;
  }
  return width;
}

/** `text` cut to `width` terminal columns, ending with "…" when it was cut. */
export function fitWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = "";
  let used = 0;
  for (const char of text) {
    const w = displayWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

/** Words of `text` in lines of at most `width` columns (a word longer than that is cut with "…"). */
function wrapCell(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (displayWidth(candidate) <= width) line = candidate;
    else {
      if (line) lines.push(line);
      line = fitWidth(word, width);
    }
  }
  if (line || lines.length === 0) lines.push(line);
  return lines;
}

function pad(text: string, width: number, align: "left" | "right"): string {
  const fill = " ".repeat(Math.max(0, width - displayWidth(text)));
  return align === "left" ? text + fill : fill + text;
}

/** Options of {@link textTable}. */
export interface TextTableOptions {
  /** Columns aligned right (numbers). */
  alignRight?: readonly number[];
  /** Text before each line. @default "  " */
  indent?: string;
  /** Widest a line may be (the terminal's width); `wrapColumn` gives way. @default no limit */
  maxWidth?: number;
  /** The column whose cells wrap over several lines when the table is wider than `maxWidth`. */
  wrapColumn?: number;
}

/** A plain-text table: a header, a rule, the rows; columns separated by two spaces. */
export function textTable(
  headers: readonly string[],
  rowsIn: readonly (readonly string[])[],
  options: TextTableOptions = {},
): string[] {
  const indent = options.indent ?? "  ";
  let rows = rowsIn;
  const widths = headers.map((h, i) =>
    Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ""))),
  );
  const wrapAt = options.wrapColumn;
  const total = indent.length + widths.reduce((a, b) => a + b, 0) + 2 * (widths.length - 1);
  if (options.maxWidth !== undefined && wrapAt !== undefined && total > options.maxWidth) {
    const current = widths[wrapAt] ?? 0;
    const available = Math.max(12, current - (total - options.maxWidth));
    widths[wrapAt] = Math.min(current, available);
    // Each row becomes as many lines as its wrapped cell needs; the other cells sit on the first one.
    rows = rows.flatMap((row) => {
      const parts = wrapCell(row[wrapAt] ?? "", widths[wrapAt] ?? available);
      return parts.map((part, i) => row.map((cell, c) => (c === wrapAt ? part : i === 0 ? cell : "")));
    });
  }
  const line = (cells: readonly string[]): string =>
    (
      indent +
      widths
        .map((w, i) => pad(cells[i] ?? "", w, options.alignRight?.includes(i) ? "right" : "left"))
        .join("  ")
    ).trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
}

/** Escapes a Markdown table cell (pipes and line breaks). */
export function markdownCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/**
 * A Markdown table aligned the way Prettier prints one (cells padded to the widest, `---` rules), so a
 * generated table survives `prettier --check` unchanged. Cells are escaped with {@link markdownCell}.
 */
export function markdownTable(headers: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const escapedRows = rows.map((r) => headers.map((_, i) => markdownCell(r[i] ?? "")));
  const escapedHeaders = headers.map(markdownCell);
  const widths = escapedHeaders.map((h, i) =>
    Math.max(3, displayWidth(h), ...escapedRows.map((r) => displayWidth(r[i] ?? ""))),
  );
  const line = (cells: readonly string[]): string =>
    `| ${widths.map((w, i) => pad(cells[i] ?? "", w, "left")).join(" | ")} |`;
  return [line(escapedHeaders), line(widths.map((w) => "-".repeat(w))), ...escapedRows.map(line)];
}
