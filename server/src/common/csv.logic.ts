/** CSV as Excel opens it right: UTF-8 with a byte-order mark, CRLF line ends, RFC 4180 quoting. */
export const CSV_BOM = '\uFEFF';

/** One field, quoted when it holds a comma, quote or line break; a leading = + - @ is defused (CSV injection). */
export function csvField(value: unknown): string {
  if (value == null) return '';
  let text = value instanceof Date ? value.toISOString() : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
