import { compile } from "html-to-text";

/** Options of {@link cleanText}. */
export interface CleanTextOptions {
  /** Longest result, in UTF-16 code units (cut at a grapheme boundary, with "…"). */
  maxLength?: number;
  /** Keep line breaks (descriptions) or fold everything onto one line (names, titles). @default false */
  multiline?: boolean;
  /**
   * Called when the cleaned text was longer than `maxLength` and had to be cut, with its length before the
   * cut: how a mapping reports the cut in the result's warnings while staying pure.
   */
  onCut?: (length: number) => void;
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
// Regional indicators (flags) pair up from the start of their run: a window that starts inside a run of
// them could pair them wrongly, so a window holding one is segmented from the start of the text instead.
const REGIONAL_INDICATOR = /\uD83C[\uDDE6-\uDDFF]/;
/** How far before the cut point segmentation starts (a grapheme is rarely longer than a few units). */
const WINDOW_UNITS = 64;

/** The last grapheme boundary at or before `limit`, segmenting `text` from `from` (a known boundary). */
function lastBoundary(text: string, from: number, limit: number, end: number): number {
  let cut = from;
  for (const { index } of segmenter.segment(text.slice(from, end))) {
    if (from + index > limit) break;
    cut = from + index;
  }
  return cut;
}

/**
 * Cuts `text` to at most `max` UTF-16 code units, "…" included, without splitting a grapheme (emoji,
 * accents, flags). Costs a few microseconds whatever the length: only a small window before the cut point
 * is segmented, not the text from its start.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const limit = Math.max(0, max - 1); // room for the "…"
  // Start segmenting right after an ASCII character: a grapheme never continues across one into the next
  // character except for combining marks, which only make the window's first segment too short (its
  // start is then not used). CJK or Arabic text has no ASCII nearby: the window starts 256 units back.
  let from = Math.max(0, limit - WINDOW_UNITS);
  while (from > 0 && from > limit - 256 && text.charCodeAt(from - 1) >= 0x80) from--;
  const end = Math.min(text.length, limit + 16);
  let cut: number;
  if (from === 0 || REGIONAL_INDICATOR.test(text.slice(from, end))) {
    cut = lastBoundary(text, 0, limit, end);
  } else {
    // Boundaries after the window's first segment are real; its start may not be (mid-cluster).
    const segments = segmenter.segment(text.slice(from, end))[Symbol.iterator]();
    segments.next();
    cut = -1;
    for (let s = segments.next(); !s.done; s = segments.next()) {
      if (from + s.value.index > limit) break;
      cut = from + s.value.index;
    }
    // The whole window is one cluster (zalgo text): segment from the start, as a last resort.
    if (cut === -1) cut = lastBoundary(text, 0, limit, end);
  }
  return `${text.slice(0, cut).trimEnd()}…`;
}

/** html-to-text's converter, compiled once at load (compiling its selectors costs far more than converting). */
const convertHtml: (html: string) => string = compile({
  wordwrap: false,
  selectors: [
    { selector: "a", options: { ignoreHref: true } },
    { selector: "img", format: "skip" },
  ],
});

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
  if (TAG.test(text)) text = convertHtml(text);
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
  if (options.maxLength === undefined || text.length <= options.maxLength) return text;
  options.onCut?.(text.length);
  return truncate(text, options.maxLength);
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

const count = new Intl.NumberFormat("en-US");

/** Where a text comes from in the profile and where it goes in the vendor payload, for a cut warning. */
export interface TextFieldNames {
  /** The profile field: `info.summary`, `experiences[2].description`. */
  from: string;
  /** The vendor field: `summary`, `work_history[1].summary`. */
  to: string;
}

/** `cleanText` that also names the fields, so that a cut can be reported (see {@link textCleaner}). */
export type TextCleaner = (
  value: string | undefined | null,
  fields: TextFieldNames,
  options: CleanTextOptions,
) => string | undefined;

/**
 * `cleanText` for a mapping that reports cuts: when a text is longer than the vendor field holds, it is cut
 * and a warning naming both fields and both lengths is added to `warnings` (the result's warnings). Pure:
 * the only effect is on the array the caller passed in.
 *
 * @param vendor the vendor's display name, for the message
 * @param warnings where warnings go; undefined drops them (a caller that does not want them)
 */
export function textCleaner(vendor: string, warnings: string[] | undefined): TextCleaner {
  return (value, fields, options) =>
    cleanText(value, {
      ...options,
      onCut: (length) => {
        const max = options.maxLength ?? length;
        warnings?.push(
          `${fields.from} was cut: it has ${count.format(length)} characters and ${vendor}'s ${fields.to} takes at most ${count.format(max)}`,
        );
      },
    });
}
