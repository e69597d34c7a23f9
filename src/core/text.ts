import { convert } from "html-to-text";

/** Options of {@link cleanText}. */
export interface CleanTextOptions {
  /** Longest result, in characters (cut at a grapheme boundary, with "…"). */
  maxLength?: number;
  /** Keep line breaks (descriptions) or fold everything onto one line (names, titles). @default false */
  multiline?: boolean;
}

// Known HTML tags or entities only: "Acme <Corp>" or "<3 years" are text, not markup.
const TAG =
  /<\/?(a|abbr|b|blockquote|br|code|div|em|font|h[1-6]|hr|i|img|li|ol|p|pre|s|script|small|span|strong|style|sub|sup|table|tbody|td|th|thead|tr|u|ul)(\s[^<>]*)?\/?>|&(?:amp|lt|gt|quot|apos|nbsp|hellip|mdash|ndash|rsquo|lsquo|rdquo|ldquo|eacute|egrave|agrave|ccedil|#\d+|#x[0-9a-f]+);/i;
// C0/C1 control characters except tab and newline, plus zero-width and bidi overrides that break vendors' UIs.
const CONTROL_RANGES: readonly (readonly [number, number])[] = [
  [0x00, 0x08],
  [0x0b, 0x0c],
  [0x0e, 0x1f],
  [0x7f, 0x9f],
  [0x200b, 0x200b],
  [0x2028, 0x202e],
  [0x2066, 0x2069],
  [0xfeff, 0xfeff],
];
const hex = (n: number): string => n.toString(16).padStart(4, "0");
const CONTROL = new RegExp(`[${CONTROL_RANGES.map(([a, b]) => `\\u${hex(a)}-\\u${hex(b)}`).join("")}]`, "g");
// A high surrogate without its low half, or a low one without its high half (broken emoji).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Cuts `text` to at most `max` characters without splitting a grapheme (emoji, accents). */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = "";
  for (const { segment } of segmenter.segment(text)) {
    if (out.length + segment.length > max - 1) break;
    out += segment;
  }
  return `${out.trimEnd()}…`;
}

/**
 * Turns any text from a profile into something a vendor accepts: HTML converted to plain text, control
 * characters and lone surrogates removed, Unicode normalised (NFC), whitespace tidied, length capped.
 * Returns undefined for empty results, so callers never send `""`.
 */
export function cleanText(
  value: string | undefined | null,
  options: CleanTextOptions = {},
): string | undefined {
  if (value === undefined || value === null) return undefined;
  let text = value.replace(LONE_SURROGATE, "").normalize("NFC");
  if (TAG.test(text)) {
    text = convert(text, {
      wordwrap: false,
      selectors: [
        { selector: "a", options: { ignoreHref: true } },
        { selector: "img", format: "skip" },
      ],
    });
  }
  text = text.replace(/\r\n?/g, "\n").replace(CONTROL, "");
  if (options.multiline) {
    text = text
      .split("\n")
      .map((line: string) => line.replace(/[ \t\u00A0]+/g, " ").trim())
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  } else {
    text = text.replace(/\s+/g, " ").trim();
  }
  if (text === "") return undefined;
  return options.maxLength !== undefined ? truncate(text, options.maxLength) : text;
}

/** A calendar date read from a profile; month and day are known only when the source gave them. */
export interface LooseDate {
  year: number;
  month?: number;
  day?: number;
}

function valid(year: number, month?: number, day?: number): LooseDate | undefined {
  if (!Number.isInteger(year) || year < 1900 || year > 2100) return undefined;
  if (month === undefined) return { year };
  if (!Number.isInteger(month) || month < 1 || month > 12) return undefined;
  if (day === undefined) return { year, month };
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (!Number.isInteger(day) || day < 1 || day > daysInMonth) return undefined;
  return { year, month, day };
}

/**
 * Reads the dates found in profiles: ISO-8601 with or without time and zone (`2019-05-01T00:00:00+0000`),
 * `YYYY-MM-DD`, `YYYY/MM/DD`, `YYYY-MM`, `YYYY`, `MM/YYYY` and `DD/MM/YYYY`. Returns undefined for
 * anything else or an impossible date (month 13, 31 February, year 0).
 */
export function parseLooseDate(value: string | undefined | null): LooseDate | undefined {
  if (value === undefined || value === null) return undefined;
  const text = value.trim();
  let m = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[T ].*)?$/.exec(text);
  if (m) return valid(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{4})[-/.](\d{1,2})$/.exec(text);
  if (m) return valid(Number(m[1]), Number(m[2]));
  m = /^(\d{4})$/.exec(text);
  if (m) return valid(Number(m[1]));
  m = /^(\d{1,2})[-/.](\d{4})$/.exec(text);
  if (m) return valid(Number(m[2]), Number(m[1]));
  m = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$/.exec(text);
  if (m) return valid(Number(m[3]), Number(m[2]), Number(m[1]));
  return undefined;
}

const pad = (n: number): string => String(n).padStart(2, "0");

/** `YYYY-MM-DD` (missing month/day become 01). */
export function formatIsoDate(date: LooseDate): string {
  return `${date.year}-${pad(date.month ?? 1)}-${pad(date.day ?? 1)}`;
}

/** `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as precise as the source. */
export function formatPartialDate(date: LooseDate): string {
  if (date.month === undefined) return String(date.year);
  if (date.day === undefined) return `${date.year}-${pad(date.month)}`;
  return `${date.year}-${pad(date.month)}-${pad(date.day)}`;
}

/** Compares two dates (missing parts count as the start of the period). */
export function compareDates(a: LooseDate, b: LooseDate): number {
  return a.year - b.year || (a.month ?? 1) - (b.month ?? 1) || (a.day ?? 1) - (b.day ?? 1);
}
