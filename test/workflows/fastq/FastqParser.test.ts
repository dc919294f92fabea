import { describe, expect, it } from 'vitest';
import { FastqFormatError } from '../../../workflows/fastq/errors.ts';
import { FastqParser, type FastqRecord } from '../../../workflows/fastq/FastqParser.ts';

const TEXT = '@r1 1:N:0:ACGT\nACGTN\n+\nIIII#\n@r2\nGG\n+r2\n@I\n@r3/1\n\n+\n\n';

function parseAll(chunks: string[], file = 'reads.fastq'): FastqRecord[] {
  const parser = new FastqParser(file);
  const out: FastqRecord[] = [];
  for (const chunk of chunks) parser.push(chunk, out);
  parser.end(out);
  return out;
}

describe('Class: FastqParser', () => {
  it('parses records with names, separators, qualities and header line numbers', () => {
    // Act
    const records = parseAll([TEXT]);

    // Assess
    expect(records).toEqual([
      { name: 'r1 1:N:0:ACGT', sequence: 'ACGTN', plus: '', quality: 'IIII#', line: 1 },
      { name: 'r2', sequence: 'GG', plus: 'r2', quality: '@I', line: 5 },
      { name: 'r3/1', sequence: '', plus: '', quality: '', line: 9 },
    ]);
  });

  it('gives the same records wherever the text is split into chunks', () => {
    // Prepare
    const expected = parseAll([TEXT]);

    // Act & Assess
    for (let at = 0; at <= TEXT.length; at++) {
      for (let second = at; second <= TEXT.length; second += 7) {
        expect(parseAll([TEXT.slice(0, at), TEXT.slice(at, second), TEXT.slice(second)])).toEqual(expected);
      }
    }
  });

  it.each([
    { case: 'CRLF line endings', text: '@a\r\nAC\r\n+\r\nII\r\n' },
    { case: 'no newline after the last line', text: '@a\nAC\n+\nII' },
    { case: 'blank lines at the end', text: '@a\nAC\n+\nII\n\n\n' },
  ])('accepts $case', ({ text }) => {
    // Act
    const records = parseAll([text]);

    // Assess
    expect(records).toEqual([{ name: 'a', sequence: 'AC', plus: '', quality: 'II', line: 1 }]);
  });

  it.each([
    {
      case: 'truncated record (no quality line)',
      text: '@a\nAC\n+\nII\n@b\nAC\n+\n',
      line: 8,
      expected: /a quality line to complete the record that starts on line 5 \(truncated record\)/,
    },
    { case: 'truncated record (header only)', text: '@a\nAC\n+\nII\n@b', line: 6, expected: /a sequence line/ },
    { case: 'header without @', text: '@a\nAC\n+\nII\nb\nAC\n+\nII\n', line: 5, expected: /a header line starting with '@', found "b"/ },
    { case: 'separator without +', text: '@a\nAC\n-\nII\n', line: 3, expected: /a separator line starting with '\+', found "-"/ },
    {
      case: 'quality shorter than sequence',
      text: '@a\nACG\n+\nII\n',
      line: 4,
      expected: /3 quality characters \(the length of the sequence on line 2\), found 2/,
    },
    { case: 'blank line between records', text: '@a\nAC\n+\nII\n\n@b\nAC\n+\nII\n', line: 5, expected: /found an empty line/ },
    { case: 'wrapped (multi-line) sequence', text: '@a\nAC\nGT\n+\nIIII\n', line: 3, expected: /separator line/ },
  ])('rejects $case with file and line', ({ text, line, expected }) => {
    // Act
    let error: unknown;
    try {
      parseAll([text], 'dir/bad.fastq');
    } catch (err) {
      error = err;
    }

    // Assess
    expect(error).toBeInstanceOf(FastqFormatError);
    const formatError = error as FastqFormatError;
    expect(formatError.file).toBe('dir/bad.fastq');
    expect(formatError.line).toBe(line);
    expect(formatError.message.startsWith(`dir/bad.fastq:${line}: expected `)).toBe(true);
    expect(formatError.message).toMatch(expected);
  });
});
