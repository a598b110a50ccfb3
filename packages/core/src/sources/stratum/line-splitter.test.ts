import { describe, expect, it } from 'vitest';
import { LineSplitter } from './line-splitter.js';

describe('LineSplitter', () => {
  it('joins lines split across chunks and splits chunks holding several lines', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('{"a":')).toEqual({ lines: [], errors: [] });
    expect(splitter.push('1}\n{"b":2}\r\n\n{"c"')).toEqual({ lines: ['{"a":1}', '{"b":2}'], errors: [] });
    expect(splitter.push(':3}\n')).toEqual({ lines: ['{"c":3}'], errors: [] });
  });

  it('handles every possible split point of a message the same way', () => {
    const text = '{"id":1,"result":{"status":"OK"}}\n{"method":"job"}\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const splitter = new LineSplitter();
      const lines = [...splitter.push(text.slice(0, cut)).lines, ...splitter.push(text.slice(cut)).lines];
      expect(lines).toEqual(['{"id":1,"result":{"status":"OK"}}', '{"method":"job"}']);
    }
  });

  it('drops an oversized line, in one piece or growing over many, and goes on with the next', () => {
    const splitter = new LineSplitter(100);
    const whole = splitter.push(`${'x'.repeat(101)}\nok\n`);
    expect(whole.lines).toEqual(['ok']);
    expect(whole.errors).toEqual(['the pool sent a line longer than 100 characters; it was dropped']);

    let errors = 0;
    for (let i = 0; i < 50; i++) errors += splitter.push('y'.repeat(30)).errors.length;
    expect(errors).toBe(1);
    expect(splitter.push('tail\nnext\n')).toEqual({ lines: ['next'], errors: [] });
  });

  it('accepts a line of exactly the limit', () => {
    const splitter = new LineSplitter(10);
    expect(splitter.push(`${'z'.repeat(10)}\n`)).toEqual({ lines: ['z'.repeat(10)], errors: [] });
  });

  it('says when the connection ends mid-line, and forgets the piece', () => {
    const splitter = new LineSplitter();
    splitter.push('{"id":1,"res');
    expect(splitter.end()).toMatch(/ended in the middle of a line \(12 characters/);
    expect(splitter.end()).toBeUndefined();
    expect(splitter.push('{"x":1}\n').lines).toEqual(['{"x":1}']);
  });
});
