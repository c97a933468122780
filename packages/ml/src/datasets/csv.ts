/**
 * A small RFC 4180 CSV reader: comma separator, optional double-quoted fields with "" escapes,
 * LF or CRLF line ends. Enough for the vega-datasets files without adding a dependency.
 */

/** Splits CSV text into rows of raw string fields (blank lines are skipped). */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let fieldStarted = false;
  const endRow = (): void => {
    row.push(field);
    // A line with nothing on it is not a record.
    if (!(row.length === 1 && row[0] === '' && !fieldStarted)) rows.push(row);
    row = [];
    field = '';
    fieldStarted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else {
          inQuotes = false;
        }
      } else {
        field += c;
      }
    } else if (c === '"') {
      inQuotes = true;
      fieldStarted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
      fieldStarted = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (inQuotes) throw new Error('CSV ends inside a quoted field');
  if (field !== '' || row.length > 0 || fieldStarted) endRow();
  return rows;
}

/** Parses CSV with a header line into records keyed by column name. */
export function parseCsv(text: string): Record<string, string>[] {
  const [header, ...body] = parseCsvRows(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  if (!header) return [];
  return body.map((fields, index) => {
    if (fields.length !== header.length) {
      throw new Error(`CSV line ${index + 2}: expected ${header.length} fields, got ${fields.length}`);
    }
    const record: Record<string, string> = {};
    header.forEach((name, i) => (record[name] = fields[i]));
    return record;
  });
}
