import { displayWidth } from "./table.js";

/**
 * Wraps text at `width` terminal columns (wide characters count two, colour codes none); lines after the
 * first start with `indent`. Words are never split.
 */
export function wrap(text: string, width: number, indent = ""): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : `${lines.length > 0 ? indent : ""}${word}`;
    if (displayWidth(candidate) > width && line.trim()) {
      lines.push(line);
      line = `${indent}${word}`;
    } else {
      line = candidate;
    }
  }
  if (line.trim()) lines.push(line);
  return lines;
}

/** `name  text` rows with the text wrapped in a column after the widest name. */
export function definitionList(
  rows: readonly (readonly [string, string])[],
  width = 80,
  margin = "  ",
): string[] {
  const nameWidth = Math.max(0, ...rows.map(([name]) => name.length));
  const indent = " ".repeat(margin.length + nameWidth + 2);
  return rows.flatMap(([name, text]) => {
    const [first = "", ...rest] = wrap(text, width - indent.length);
    return [`${margin}${name.padEnd(nameWidth)}  ${first}`, ...rest.map((l) => `${indent}${l}`)];
  });
}
