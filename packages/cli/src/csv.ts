// CSV as RFC 4180 describes it (comma-separated, double quotes, "" inside quotes, CRLF or LF),
// written here because the CLI takes no dependencies beyond the platform's.

export class CsvError extends Error {
  override readonly name = 'CsvError';
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

export interface CsvRecord {
  /** Line of the file where the record starts (1-based; a quoted field may span lines). */
  line: number;
  fields: string[];
}

/** Every record of a CSV text; blank lines are skipped, a byte-order mark is ignored. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        blank = false;
        i++;
        for (;;) {
          if (i >= n) throw new CsvError('a quoted field is not closed', start);
          const c = text[i]!;
          if (c === '"') {
            if (text[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw new CsvError(`unexpected ${JSON.stringify(text[i])} after a closing quote`, line);
        }
      } else {
        const from = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
        field = text.slice(from, i);
        if (field !== '') blank = false;
      }
      fields.push(field);
      if (i < n && text[i] === ',') {
        blank = false;
        i++;
        continue;
      }
      // End of record: \n, \r\n, a lone \r, or the end of the text.
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    if (!blank) records.push({ line: start, fields });
  }
  return records;
}

export interface CsvTable {
  header: string[];
  rows: Array<{ line: number; values: Record<string, string> }>;
}

/** A CSV text whose first record names the columns; every other record must have as many fields. */
export function parseCsvTable(text: string): CsvTable {
  const [first, ...rest] = parseCsv(text);
  if (!first) throw new CsvError('the file is empty: the first line must name the columns', 1);
  const header = first.fields.map((h) => h.trim());
  header.forEach((name, i) => {
    if (!name) throw new CsvError(`column ${i + 1} of the header has no name`, first.line);
    if (header.indexOf(name) !== i) throw new CsvError(`column "${name}" appears twice in the header`, first.line);
  });
  const rows = rest.map(({ line, fields }) => {
    if (fields.length !== header.length) {
      throw new CsvError(`${fields.length} field${fields.length === 1 ? '' : 's'}, but the header has ${header.length}`, line);
    }
    return { line, values: Object.fromEntries(header.map((name, i) => [name, fields[i]!])) };
  });
  return { header, rows };
}

/** One field, quoted when it holds a comma, a quote, a line break or surrounding spaces. */
export function formatCsvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV text with a header line, one line per row (LF line ends, a final LF). */
export function formatCsv(header: readonly string[], rows: ReadonlyArray<Record<string, unknown>>): string {
  const lines = [header.map(formatCsvField).join(',')];
  for (const row of rows) lines.push(header.map((name) => formatCsvField(row[name])).join(','));
  return `${lines.join('\n')}\n`;
}
