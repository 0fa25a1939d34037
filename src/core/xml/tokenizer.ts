import { AttrBuffer, NameBuffer } from './buffers.js';
import { ElementStack } from './element-stack.js';
import { checkXmlDeclaration, isNameChar, isNameStart, isXmlWs, nameAt, resolveReference } from './lexical.js';
import { RUN_AMP, RUN_CDATA_END, RUN_CONTROL, RUN_LT, TextRun } from './text-run.js';
import { DEFAULT_XML_LIMITS, type XmlFatal, type XmlHandler, type XmlLimits } from './types.js';
import { Utf8Validator } from './utf8-validator.js';

// States of the byte-level machine.
const PROLOG = 0, CONTENT = 1, EPILOG = 2, LT = 3, START_NAME = 4, TAG = 5, ATTR_NAME = 6,
  ATTR_EQ = 7, ATTR_QUOTE = 8, ATTR_VALUE = 9, EMPTY_TAG = 10, END_NAME = 11, END_WS = 12,
  BANG = 13, COMMENT_OPEN = 14, COMMENT = 15, COMMENT_D1 = 16, COMMENT_D2 = 17, PI = 18,
  PI_Q = 19, ENTITY = 20, BOM1 = 21, BOM2 = 22;

const PI_MAX = 256;
const REF_MAX = 12;

/**
 * Streaming tokenizer for the XML subset MCF allows, fed byte chunks of any size. It knows
 * byte offsets (the signed range ends at a byte offset), buffers at most one bounded text
 * run, attribute or name, and reports over-long values without keeping them. Anything
 * outside the subset (DOCTYPE, CDATA, PIs, unknown entities, bad UTF-8) is fatal.
 */
export class XmlTokenizer {
  private readonly limits: XmlLimits;
  private readonly utf8 = new Utf8Validator();
  private readonly stack: ElementStack;
  private state = PROLOG;
  private base = 0; // absolute offset of the current chunk
  private fatalError: XmlFatal | null = null;
  private rootSeen = false;
  private declAllowedAt = 0; // the XML declaration may start only here (0, or 3 after a BOM)
  private ltOffset = 0;
  private crPending = false; // in an attribute value

  private readonly text: TextRun;

  // Current tag.
  private readonly name: NameBuffer;
  private tagName = '';
  private readonly attrNames: string[] = [];
  private readonly attrValues: (string | null)[] = [];
  private quote = 0;
  private wsSeen = false;
  private readonly attr: AttrBuffer;

  // References and the XML declaration.
  private refBody = '';
  private refInAttr = false;
  private piBody = '';

  constructor(private readonly handler: XmlHandler, limits: XmlLimits = DEFAULT_XML_LIMITS) {
    this.limits = limits;
    this.stack = new ElementStack(limits.depth);
    this.text = new TextRun(limits.textCodePoints, (offset) => this.handler.limit('text', offset));
    this.attr = new AttrBuffer(limits.attributeCodePoints);
    this.name = new NameBuffer(limits.nameBytes);
  }

  get error(): XmlFatal | null {
    return this.fatalError;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.base;
  }

  write(chunk: Uint8Array): void {
    if (this.fatalError !== null) return;
    if (!this.utf8.push(chunk)) {
      // The bytes before the bad sequence are read first: a Header or error in them stands, wherever the chunk began.
      const at = this.utf8.invalidAt;
      if (at > 0) this.scanChunk(chunk.subarray(0, at));
      this.fail('invalid UTF-8', this.base + Math.min(at, 0));
      return;
    }
    this.scanChunk(chunk);
  }

  /** Offset of the '<' of the tag being handled, or of the one ending the text being handled. */
  get markupOffset(): number { return this.ltOffset; }

  private scanChunk(chunk: Uint8Array): void {
    this.text.beginChunk(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    try {
      this.scan(chunk);
    } finally {
      this.text.endChunk(); // the chunk may go away: a text run cut by it keeps its own copy
    }
    this.base += chunk.length;
  }

  end(): void {
    if (this.fatalError !== null) return;
    if (!this.utf8.end()) this.fail('invalid UTF-8 at end of file', this.base);
    else if (!this.rootSeen) this.fail('no root element', this.base);
    else if (this.state !== EPILOG) this.fail('unexpected end of file', this.base);
  }

  private fail(reason: string, offset: number): void {
    if (this.fatalError === null) this.fatalError = { reason, offset };
  }

  // The main loop is long on purpose: one switch per byte, except that character data
  // (TextRun.scan) and names wholly inside the chunk are taken a stretch at a time.
  private scan(chunk: Uint8Array): void {
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i]!;
      if (b < 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return this.fail('control character', this.base + i);
      switch (this.state) {
        case CONTENT: {
          i = this.text.scan(chunk, i, this.base);
          const stop = this.text.stop;
          if (stop === RUN_LT) {
            this.ltOffset = this.base + i;
            this.state = LT;
            if (this.stack.depth === 1) this.handler.rootLevelMarkup?.(this.ltOffset);
          } else if (stop === RUN_AMP) {
            this.refBody = '';
            this.refInAttr = false;
            this.state = ENTITY;
          } else if (stop === RUN_CONTROL) {
            return this.fail('control character', this.base + i);
          } else if (stop === RUN_CDATA_END) {
            return this.fail("']]>' in character data", this.base + i);
          }
          break;
        }
        case PROLOG:
        case EPILOG:
          if (isXmlWs(b)) break;
          if (b === 0x3c) {
            this.ltOffset = this.base + i;
            this.state = LT;
            break;
          }
          if (b === 0xef && this.state === PROLOG && this.base + i === 0) {
            this.state = BOM1;
            break;
          }
          return this.fail(this.state === PROLOG ? 'content before the root element' : 'content after the root element', this.base + i);
        case BOM1:
          if (b !== 0xbb) return this.fail('content before the root element', this.base + i);
          this.state = BOM2;
          break;
        case BOM2:
          if (b !== 0xbf) return this.fail('content before the root element', this.base + i);
          this.declAllowedAt = 3;
          this.state = PROLOG;
          break;
        case LT:
          if (this.rootDone()) return this.fail('markup after the root element', this.ltOffset);
          if (b === 0x2f) {
            if (this.stack.depth === 0) return this.fail('end tag outside the root', this.ltOffset);
            this.flushText();
            this.name.reset();
            this.state = END_NAME;
          } else if (b === 0x21) {
            this.state = BANG;
          } else if (b === 0x3f) {
            if (this.ltOffset !== this.declAllowedAt || this.stack.depth > 0 || this.rootSeen) {
              return this.fail('processing instruction not allowed', this.ltOffset);
            }
            this.piBody = '';
            this.state = PI;
          } else if (isNameStart(b) && b !== 0x3a) {
            if (this.rootSeen && this.stack.depth === 0) return this.fail('second root element', this.ltOffset);
            this.flushText();
            // Setting an array's length is a runtime call: only when there is something to drop.
            if (this.attrNames.length > 0) this.attrNames.length = 0;
            if (this.attrValues.length > 0) this.attrValues.length = 0;
            const end = this.name.endIn(chunk, i);
            if (end > 0) {
              // The whole name is in this chunk: take it from there; its end is tag content.
              this.tagName = this.name.takeFrom(chunk, i, end);
              this.wsSeen = false;
              this.state = TAG;
              i = end - 1;
            } else {
              this.name.reset();
              this.pushName(b, i);
              this.state = START_NAME;
            }
          } else {
            return this.fail("'<' not followed by a name", this.ltOffset);
          }
          break;
        case START_NAME:
          if (isNameChar(b)) {
            if (!this.pushName(b, i)) return;
          } else {
            this.tagName = this.name.take();
            this.wsSeen = false;
            this.state = TAG;
            i--; // reprocess as tag content
          }
          break;
        case TAG:
          if (isXmlWs(b)) {
            this.wsSeen = true; // an attribute may follow
          } else if (b === 0x3e) {
            this.startTag(false);
          } else if (b === 0x2f) {
            this.state = EMPTY_TAG;
          } else if (isNameStart(b) && this.wsSeen) {
            if (this.attrNames.length >= this.limits.attributesPerElement) return this.fail('too many attributes', this.base + i);
            this.name.reset();
            this.pushName(b, i);
            this.state = ATTR_NAME;
          } else {
            return this.fail('malformed start tag', this.base + i);
          }
          break;
        case ATTR_NAME:
          if (isNameChar(b)) {
            if (!this.pushName(b, i)) return;
          } else {
            this.attrNames.push(this.name.take());
            this.state = ATTR_EQ;
            i--;
          }
          break;
        case ATTR_EQ:
          if (b === 0x3d) this.state = ATTR_QUOTE;
          else if (!isXmlWs(b)) return this.fail("attribute without '='", this.base + i);
          break;
        case ATTR_QUOTE:
          if (b === 0x22 || b === 0x27) {
            this.quote = b;
            this.attr.reset();
            this.state = ATTR_VALUE;
          } else if (!isXmlWs(b)) {
            return this.fail('attribute value not quoted', this.base + i);
          }
          break;
        case ATTR_VALUE:
          if (b === this.quote) {
            this.attrValues.push(this.attr.take());
            this.wsSeen = false; // a value must be followed by whitespace before the next attribute
            this.crPending = false;
            this.state = TAG;
          } else if (b === 0x3c) {
            return this.fail("'<' in attribute value", this.base + i);
          } else if (b === 0x26) {
            this.refBody = '';
            this.refInAttr = true;
            this.state = ENTITY;
          } else if (b === 0x0a && this.crPending) {
            this.crPending = false;
          } else {
            // Attribute-value normalisation: each literal whitespace character becomes a space.
            this.crPending = b === 0x0d;
            if (this.attr.pushByte(isXmlWs(b) ? 0x20 : b)) this.attrLimit(i);
          }
          break;
        case EMPTY_TAG:
          if (b !== 0x3e) return this.fail("'/' not followed by '>'", this.base + i);
          this.startTag(true);
          break;
        case END_NAME:
          if (this.name.length === 0 && isNameStart(b)) {
            // As in START_NAME, a name wholly in this chunk is taken from there; an end tag
            // nearly always names the open element, so that name is tried first.
            const open = this.stack.openName;
            let end = nameAt(open, chunk, i);
            if (end > 0) this.tagName = open;
            else if ((end = this.name.endIn(chunk, i)) > 0) this.tagName = this.name.takeFrom(chunk, i, end);
            if (end > 0) {
              this.state = END_WS;
              i = end - 1;
              break;
            }
          }
          if (isNameChar(b) && (this.name.length > 0 || isNameStart(b))) {
            if (!this.pushName(b, i)) return;
          } else {
            if (this.name.length === 0) return this.fail('malformed end tag', this.base + i);
            this.tagName = this.name.take();
            this.state = END_WS;
            i--;
          }
          break;
        case END_WS:
          if (b === 0x3e) this.endTag();
          else if (!isXmlWs(b)) return this.fail('malformed end tag', this.base + i);
          break;
        case BANG:
          if (b === 0x2d) this.state = COMMENT_OPEN;
          else if (b === 0x44) return this.fail('DOCTYPE not allowed', this.ltOffset);
          else if (b === 0x5b) return this.fail('CDATA section not allowed', this.ltOffset);
          else return this.fail('markup declaration not allowed', this.ltOffset);
          break;
        case COMMENT_OPEN:
          if (b !== 0x2d) return this.fail('malformed comment', this.ltOffset);
          if (this.rootDone()) return this.fail('comment after the root element', this.ltOffset);
          this.state = COMMENT;
          break;
        case COMMENT:
          if (b === 0x2d) this.state = COMMENT_D1;
          break;
        case COMMENT_D1:
          this.state = b === 0x2d ? COMMENT_D2 : COMMENT;
          break;
        case COMMENT_D2:
          if (b !== 0x3e) return this.fail("'--' inside a comment", this.base + i);
          this.state = this.stack.depth > 0 ? CONTENT : PROLOG;
          break;
        case PI:
          if (b === 0x3f) this.state = PI_Q;
          else if (!this.pushPi(b, i)) return;
          break;
        case PI_Q:
          if (b === 0x3e) {
            const reason = checkXmlDeclaration(this.piBody);
            if (reason !== null) return this.fail(reason, this.ltOffset);
            this.state = PROLOG;
          } else {
            if (!this.pushPi(0x3f, i)) return;
            if (b !== 0x3f) {
              if (!this.pushPi(b, i)) return;
              this.state = PI;
            }
          }
          break;
        case ENTITY:
          if (b === 0x3b) {
            const cp = resolveReference(this.refBody);
            if (cp < 0) return this.fail(`reference '&${this.refBody};' not allowed`, this.base + i);
            if (this.refInAttr) {
              if (this.attr.pushCp(cp)) this.attrLimit(i);
              this.state = ATTR_VALUE;
            } else {
              this.text.appendCp(cp, this.base);
              this.state = CONTENT;
            }
          } else if (b === 0x30 && (this.refBody === '#0' || this.refBody === '#x0')) {
            // Leading zeros are allowed in any number (XML 1.0, mcf-format.md "Limits"): one is
            // kept, so `&#0x41;` stays malformed and the body stays within REF_MAX.
          } else if (this.refBody.length >= REF_MAX || !(isNameChar(b) || b === 0x23) || b >= 0x80) {
            return this.fail('malformed or unknown entity reference', this.base + i);
          } else {
            this.refBody += String.fromCharCode(b);
          }
          break;
      }
    }
  }

  private rootDone(): boolean {
    return this.rootSeen && this.stack.depth === 0;
  }

  private attrLimit(i: number): void {
    this.handler.limit('attribute', this.base + i);
  }

  private flushText(): void {
    const text = this.text;
    if (text.empty) return;
    if (!text.whitespaceOnly) {
      if (!this.stack.markText()) return this.fail('character data in an element that has child elements', this.ltOffset);
      if (!text.overLimit) this.handler.text(text.value(), this.stack.depth - 1, text.hasWhitespace);
    }
    text.reset();
  }

  private pushName(b: number, i: number): boolean {
    if (this.name.push(b)) return true;
    this.fail('name too long', this.base + i);
    return false;
  }

  private pushPi(b: number, i: number): boolean {
    if (this.piBody.length >= PI_MAX) {
      this.fail('XML declaration too long', this.base + i);
      return false;
    }
    this.piBody += String.fromCharCode(b);
    return true;
  }

  private startTag(selfClosing: boolean): void {
    const result = this.stack.open(this.tagName, this.attrNames, this.attrValues, this.ltOffset);
    if (typeof result === 'string') return this.fail(result, this.ltOffset);
    this.rootSeen = true;
    this.handler.startElement(result);
    if (this.fatalError !== null) return;
    this.state = CONTENT;
    if (selfClosing) this.endTag();
  }

  private endTag(): void {
    const reason = this.stack.close(this.tagName);
    if (reason !== null) return this.fail(reason, this.ltOffset);
    const depth = this.stack.depth;
    this.handler.endElement(depth);
    this.state = depth === 0 ? EPILOG : CONTENT;
  }
}
