// A byte scanner that cuts top-level values out of a JSON byte stream without parsing them:
// the elements of a top-level array (a Label Studio export), or a sequence of concatenated
// values (pretty-printed objects one after another). Each complete element is handed out as a
// string for JSON.parse, with its byte offset and index for error messages.
// It keeps only the element being cut in memory; see notes/toolchain.md §8 for the design and
// numbers (about 200 MB/s with JSON.parse, 4–9× stream-json).

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const BOM = [0xef, 0xbb, 0xbf];

const enum State {
  BeforeArray,
  Between,
  InContainer,
  InScalar,
  AfterArray,
}

export interface ScannedElement {
  text: string;
  /** The element's bytes (a view of the input chunk when it did not span chunks). */
  bytes: Buffer;
  /** Byte offset of the element's first byte in the stream. */
  offset: number;
  /** 0-based index of the element. */
  index: number;
}

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

export class JsonScanError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
  }
}

export class JsonElementScanner {
  private state: State;
  private depth = 0;
  private inString = false;
  /** Backslashes that ended the previous chunk while inside a string. */
  private carriedBackslashes = 0;
  private pieces: Buffer[] = [];
  private elementStart = 0; // absolute offset
  private consumed = 0; // absolute offset of the current chunk's byte 0
  private index = 0;
  private sawBom = false;
  private expectComma = false;

  constructor(readonly mode: 'array' | 'sequence') {
    this.state = mode === 'array' ? State.BeforeArray : State.Between;
  }

  /** Feed one chunk; complete elements are pushed into `out`. */
  push(buf: Buffer, out: ScannedElement[]): void {
    let i = 0;
    const len = buf.length;
    // A UTF-8 BOM (possibly split across chunks) at the very start is skipped.
    while (!this.sawBom && i < len) {
      const abs = this.consumed + i;
      if (abs < 3 && buf[i] === BOM[abs]) i++;
      else this.sawBom = true;
    }
    let segStart = -1; // start of the current element within this chunk
    if (this.state === State.InContainer || this.state === State.InScalar) segStart = 0;

    while (i < len) {
      switch (this.state) {
        case State.BeforeArray: {
          const b = buf[i];
          if (isSpace(b)) {
            i++;
          } else if (b === OPEN_BRACKET) {
            this.state = State.Between;
            i++;
          } else {
            throw new JsonScanError('expected a JSON array ("[")', this.consumed + i);
          }
          break;
        }
        case State.Between: {
          const b = buf[i];
          if (isSpace(b)) {
            i++;
          } else if (b === COMMA && this.mode === 'array') {
            if (!this.expectComma) throw new JsonScanError('unexpected ","', this.consumed + i);
            this.expectComma = false;
            i++;
          } else if (b === CLOSE_BRACKET && this.mode === 'array') {
            if (!this.expectComma && this.index > 0) throw new JsonScanError('trailing "," before "]"', this.consumed + i);
            this.state = State.AfterArray;
            i++;
          } else {
            if (this.expectComma) throw new JsonScanError('expected "," or "]" between elements', this.consumed + i);
            segStart = i;
            this.elementStart = this.consumed + i;
            if (b === OPEN_BRACE || b === OPEN_BRACKET) {
              this.state = State.InContainer;
              this.depth = 1;
              i++;
            } else if (b === QUOTE) {
              this.state = State.InContainer;
              this.depth = 0;
              this.inString = true;
              this.carriedBackslashes = 0;
              i++;
            } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET || b === COMMA) {
              throw new JsonScanError(`unexpected "${String.fromCharCode(b)}"`, this.consumed + i);
            } else {
              this.state = State.InScalar;
              i++;
            }
          }
          break;
        }
        case State.InContainer: {
          if (this.inString) {
            const q = buf.indexOf(QUOTE, i);
            if (q < 0) {
              // The string goes on past this chunk: remember trailing backslashes.
              let n = 0;
              let k = len - 1;
              while (k >= i && buf[k] === BACKSLASH) {
                n++;
                k--;
              }
              this.carriedBackslashes = k < i ? this.carriedBackslashes + n : n;
              i = len;
              break;
            }
            let n = 0;
            let k = q - 1;
            while (k >= i && buf[k] === BACKSLASH) {
              n++;
              k--;
            }
            if (k < i) n += this.carriedBackslashes;
            this.carriedBackslashes = 0;
            i = q + 1;
            if ((n & 1) === 0) {
              this.inString = false;
              if (this.depth === 0) this.complete(buf, segStart, i, out);
            }
            break;
          }
          // Outside strings: scan structural bytes.
          for (; i < len; i++) {
            const b = buf[i];
            if (b === QUOTE) {
              this.inString = true;
              this.carriedBackslashes = 0;
              i++;
              break;
            } else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
              this.depth++;
            } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
              if (--this.depth === 0) {
                i++;
                this.complete(buf, segStart, i, out);
                break;
              }
            }
          }
          break;
        }
        case State.InScalar: {
          const b = buf[i];
          if (isSpace(b) || b === COMMA || b === CLOSE_BRACKET) {
            this.complete(buf, segStart, i, out);
            // do not consume the delimiter: Between handles it
          } else {
            i++;
          }
          break;
        }
        case State.AfterArray: {
          if (!isSpace(buf[i])) throw new JsonScanError('unexpected data after the closing "]"', this.consumed + i);
          i++;
          break;
        }
      }
    }
    if ((this.state === State.InContainer || this.state === State.InScalar) && segStart >= 0 && segStart < len) {
      this.pieces.push(buf.subarray(segStart));
    }
    this.consumed += len;
  }

  /** Call at end of input; returns a trailing scalar element, if any. */
  end(out: ScannedElement[]): void {
    if (this.state === State.InScalar && this.mode === 'sequence') {
      this.complete(Buffer.alloc(0), 0, 0, out);
    }
    if (this.state === State.InContainer || this.state === State.InScalar) {
      throw new JsonScanError('truncated JSON: the input ends inside an element', this.consumed);
    }
    if (this.mode === 'array' && this.state !== State.AfterArray) {
      throw new JsonScanError(
        this.state === State.BeforeArray ? 'empty input: expected a JSON array' : 'truncated JSON array: missing "]"',
        this.consumed,
      );
    }
  }

  private complete(buf: Buffer, segStart: number, end: number, out: ScannedElement[]): void {
    let bytes: Buffer;
    if (this.pieces.length > 0) {
      this.pieces.push(buf.subarray(segStart, end));
      bytes = Buffer.concat(this.pieces);
      this.pieces = [];
    } else {
      bytes = buf.subarray(segStart, end);
    }
    out.push({ text: bytes.toString('utf8'), bytes, offset: this.elementStart, index: this.index++ });
    this.state = State.Between;
    this.expectComma = this.mode === 'array';
    this.depth = 0;
  }
}

/** Splits NDJSON into lines (blank lines skipped), carrying a partial last line across chunks. */
export class NdjsonLineSplitter {
  private carry: Buffer | null = null;
  private consumed = 0;
  private index = 0;
  private carryStart = 0;

  push(buf: Buffer, out: ScannedElement[]): void {
    let start = 0;
    if (this.consumed === 0 && buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
    let nl = buf.indexOf(0x0a, start);
    if (this.carry !== null) {
      if (nl < 0) {
        this.carry = Buffer.concat([this.carry, buf]);
        this.consumed += buf.length;
        return;
      }
      const line = Buffer.concat([this.carry, buf.subarray(0, nl)]);
      this.emit(line, 0, line.length, this.carryStart, out);
      this.carry = null;
      start = nl + 1;
      nl = buf.indexOf(0x0a, start);
    }
    while (nl >= 0) {
      this.emit(buf, start, nl, this.consumed + start, out);
      start = nl + 1;
      nl = buf.indexOf(0x0a, start);
    }
    if (start < buf.length) {
      this.carry = Buffer.from(buf.subarray(start));
      this.carryStart = this.consumed + start;
    }
    this.consumed += buf.length;
  }

  end(out: ScannedElement[]): void {
    if (this.carry !== null) {
      this.emit(this.carry, 0, this.carry.length, this.carryStart, out);
      this.carry = null;
    }
  }

  private emit(buf: Buffer, s: number, e: number, offset: number, out: ScannedElement[]): void {
    let a = s;
    let b = e;
    while (a < b && isSpace(buf[a])) a++;
    while (b > a && isSpace(buf[b - 1])) b--;
    if (a === b) return;
    const bytes = buf.subarray(a, b);
    out.push({ text: bytes.toString('utf8'), bytes, offset: offset + (a - s), index: this.index++ });
  }
}
