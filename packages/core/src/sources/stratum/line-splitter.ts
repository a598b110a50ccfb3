// Stratum frames messages as lines of JSON, both ways. The splitter turns a connection's text, arriving in arbitrary pieces,
// into whole lines, and bounds how much a peer can make it hold.

/** No honest Stratum message comes near this: a job is a few hundred bytes. */
export const MAX_LINE_LENGTH = 64 * 1024;

export interface SplitResult {
  lines: string[];
  /** One sentence per line that was dropped for its length. */
  errors: string[];
}

export class LineSplitter {
  private partial = '';
  /** Set while skipping the rest of an oversized line, up to its newline. */
  private discarding = false;

  constructor(
    private readonly maxLineLength = MAX_LINE_LENGTH,
    /** Who sends the lines, for the sentences: the pool, or a rig. */
    private readonly sender = 'the pool',
  ) {}

  push(text: string): SplitResult {
    const result: SplitResult = { lines: [], errors: [] };
    let rest = text;
    for (let newline = rest.indexOf('\n'); newline !== -1; newline = rest.indexOf('\n')) {
      const piece = rest.slice(0, newline);
      rest = rest.slice(newline + 1);
      if (this.discarding) {
        this.discarding = false;
        continue;
      }
      const line = (this.partial + piece).replace(/\r$/, '');
      this.partial = '';
      if (line.length > this.maxLineLength) result.errors.push(this.tooLong());
      else if (line.trim() !== '') result.lines.push(line);
    }
    if (this.discarding) return result;
    this.partial += rest;
    if (this.partial.length > this.maxLineLength) {
      this.partial = '';
      this.discarding = true;
      result.errors.push(this.tooLong());
    }
    return result;
  }

  /** The connection ended: returns a sentence about the line it cut short, if any, and forgets it. */
  end(): string | undefined {
    const cut = this.partial;
    this.partial = '';
    this.discarding = false;
    if (cut.trim() === '') return undefined;
    return `the connection ended in the middle of a line (${cut.length} characters without a newline were dropped)`;
  }

  private tooLong(): string {
    return `${this.sender} sent a line longer than ${this.maxLineLength} characters; it was dropped`;
  }
}
