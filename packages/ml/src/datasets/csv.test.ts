import { parseCsv, parseCsvRows } from './csv';

describe('CSV parsing', () => {
  it('reads a header and records keyed by column', () => {
    expect(parseCsv('a,b\n1,x\n2,y\n')).toEqual([
      { a: '1', b: 'x' },
      { a: '2', b: 'y' },
    ]);
  });

  it('handles quotes, escaped quotes, embedded commas and newlines, CRLF and blank lines', () => {
    const text = 'name,note\r\n"Doe, J","said ""hi""\nthen left"\r\n\r\nplain,\r\n';
    expect(parseCsvRows(text)).toEqual([
      ['name', 'note'],
      ['Doe, J', 'said "hi"\nthen left'],
      ['plain', ''],
    ]);
  });

  it('keeps a last line without a trailing newline and ignores a byte-order mark', () => {
    expect(parseCsv('\ufeffa,b\n1,2')).toEqual([{ a: '1', b: '2' }]);
  });

  it('rejects a record with the wrong number of fields and an unterminated quote', () => {
    expect(() => parseCsv('a,b\n1,2,3\n')).toThrow('CSV line 2: expected 2 fields, got 3');
    expect(() => parseCsvRows('a,"b\n')).toThrow('quoted field');
  });
});
