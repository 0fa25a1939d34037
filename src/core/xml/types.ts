/** Events and limits of the streaming XML tokenizer (the small XML subset MCF allows). */

export const XML_NS = 'http://www.w3.org/XML/1998/namespace';

export interface XmlLimits {
  /** Code points of an element's direct character data between two child boundaries. */
  readonly textCodePoints: number;
  /** Code points of one attribute value. */
  readonly attributeCodePoints: number;
  /** Bytes of an element or attribute name (no MCF name comes close). */
  readonly nameBytes: number;
  readonly attributesPerElement: number;
  readonly depth: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  textCodePoints: 8192,
  attributeCodePoints: 64,
  nameBytes: 256,
  attributesPerElement: 32,
  depth: 64,
};

export interface XmlStartTag {
  /** Namespace URI, or null when the element is in no namespace. */
  readonly ns: string | null;
  readonly local: string;
  /** Unprefixed, non-namespace attributes; the value is null when it passed its limit. */
  readonly attrs: ReadonlyMap<string, string | null>;
  /** Byte offset of the `<` that opens the tag. */
  readonly offset: number;
  /** 0 for the root element. */
  readonly depth: number;
}

export interface XmlHandler {
  startElement(tag: XmlStartTag): void;
  endElement(depth: number): void;
  /**
   * Character data (normalised, entities expanded) of the current element since its last
   * child boundary, comments skipped; only called when it holds a non-whitespace character.
   * `hasWs` is false exactly when the value holds no XML whitespace (#x20 #x9 #xA #xD), so a
   * handler that strips whitespace can skip values without any.
   */
  text(value: string, depth: number, hasWs: boolean): void;
  /** A text or attribute value passed its limit: it is dropped, parsing goes on. */
  limit(what: 'text' | 'attribute', offset: number): void;
  /** A `<` seen directly inside the root (before its children and the root end tag). */
  rootLevelMarkup?(offset: number): void;
}

/** A well-formedness failure: the document is rejected (MCF_MALFORMED, check step 1). */
export interface XmlFatal {
  readonly reason: string;
  readonly offset: number;
}
