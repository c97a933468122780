import { CsvError, formatCsv, formatCsvField, parseCsv, parseCsvTable } from './csv';

describe('parseCsv', () => {
  it('reads fields, quoted fields with commas, doubled quotes and line breaks', () => {
    const text = 'a,b,c\n1,"x, y","say ""hi"""\n2,"two\nlines",\n';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'x, y', 'say "hi"'] },
      { line: 3, fields: ['2', 'two\nlines', ''] },
    ]);
  });

  it('accepts CRLF, lone CR, a byte-order mark, no final newline, and skips blank lines', () => {
    expect(parseCsv('\ufeffa,b\r\n1,2\r\n\r\n3,4\r5,6')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', '2'] },
      { line: 4, fields: ['3', '4'] },
      { line: 5, fields: ['5', '6'] },
    ]);
  });

  it('keeps empty fields and a quoted empty line', () => {
    expect(parseCsv(',\n""\n')).toEqual([
      { line: 1, fields: ['', ''] },
      { line: 2, fields: [''] },
    ]);
  });

  it('reports an unterminated quote and text after a closing quote with the line', () => {
    expect(() => parseCsv('a\n"open,\nstill')).toThrow(new CsvError('a quoted field is not closed', 2));
    expect(() => parseCsv('a,b\n"x"y,2')).toThrow('line 2: unexpected "y" after a closing quote');
  });
});

describe('parseCsvTable', () => {
  it('names every row by the header (trimmed) and keeps line numbers', () => {
    expect(parseCsvTable(' tenure ,plan\n1.5,pro\n')).toEqual({
      header: ['tenure', 'plan'],
      rows: [{ line: 2, values: { tenure: '1.5', plan: 'pro' } }],
    });
  });

  it('refuses an empty file, nameless or repeated columns and ragged rows', () => {
    expect(() => parseCsvTable('')).toThrow('line 1: the file is empty');
    expect(() => parseCsvTable('a,,b\n')).toThrow('column 2 of the header has no name');
    expect(() => parseCsvTable('a,a\n')).toThrow('column "a" appears twice');
    expect(() => parseCsvTable('a,b\n1,2\n3\n')).toThrow('line 3: 1 field, but the header has 2');
  });
});

describe('formatCsv', () => {
  it('quotes only what needs it and writes numbers, nulls and objects plainly', () => {
    expect(formatCsvField('plain')).toBe('plain');
    expect(formatCsvField('a,b')).toBe('"a,b"');
    expect(formatCsvField('say "hi"')).toBe('"say ""hi"""');
    expect(formatCsvField('two\nlines')).toBe('"two\nlines"');
    expect(formatCsvField(' padded')).toBe('" padded"');
    expect(formatCsvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(formatCsvField(null)).toBe('');
    expect(formatCsvField({ a: 1 })).toBe('"{""a"":1}"');
  });

  it('round-trips through parseCsvTable', () => {
    const rows = [
      { id: 'x, 1', note: 'he said "no"\nthen left', score: 0.25 },
      { id: '2', note: '', score: 1 },
    ];
    const text = formatCsv(['id', 'note', 'score'], rows);
    expect(parseCsvTable(text).rows.map((r) => r.values)).toEqual(rows.map((r) => ({ ...r, score: String(r.score) })));
  });
});
