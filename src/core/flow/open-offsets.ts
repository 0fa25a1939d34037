/**
 * The input offsets of one partition whose work is still open (waiting for capacity, in
 * flight), in the order they were taken: a partition's committed offset must never pass
 * the lowest of them, or a restart would skip that work. The splitter's "never past the
 * first chunk of an upload in progress" and the validator's "never past an incomplete
 * installation" are instances; work that waits behind a saturated key is another. Offsets
 * are added in increasing order and closed in any order; amortised O(1).
 */
export class OpenOffsets {
  private readonly offsets: bigint[] = [];
  private readonly closed = new Set<bigint>();
  private head = 0;

  open(offset: bigint): void {
    const last = this.offsets[this.offsets.length - 1];
    if (last !== undefined && offset <= last && this.head < this.offsets.length) throw new RangeError(`offset ${offset} opened after ${last}`);
    this.offsets.push(offset);
  }

  close(offset: bigint): void {
    this.closed.add(offset);
    while (this.head < this.offsets.length && this.closed.delete(this.offsets[this.head]!)) this.head++;
    if (this.head > 1024 && this.head * 2 > this.offsets.length) {
      this.offsets.splice(0, this.head);
      this.head = 0;
    }
  }

  /** The lowest offset still open, or null. */
  lowest(): bigint | null {
    return this.head < this.offsets.length ? this.offsets[this.head]! : null;
  }

  get size(): number {
    return this.offsets.length - this.head;
  }
}
