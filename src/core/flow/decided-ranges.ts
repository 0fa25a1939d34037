/**
 * Input offsets already decided above a partition's committed offset, as sorted disjoint
 * [from, to) ranges. A stage whose work finishes out of order (an enrolment lane: later
 * installations decided while an earlier one waits) can commit only up to its lowest open
 * offset; what it decided above that is written with every decision, in the same
 * transaction, so a replay after a crash skips exactly those. Few ranges in practice: the
 * gaps are the installations still waiting or in flight.
 */
export interface OffsetRange {
  readonly from: number;
  readonly to: number;
}

export class DecidedRanges {
  private ranges: Array<{ from: number; to: number }>;

  constructor(ranges: readonly OffsetRange[] = []) {
    this.ranges = ranges.filter((r) => r.to > r.from).map((r) => ({ from: r.from, to: r.to })).sort((a, b) => a.from - b.from);
  }

  has(offset: number): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = this.ranges[mid]!;
      if (offset < r.from) hi = mid - 1;
      else if (offset >= r.to) lo = mid + 1;
      else return true;
    }
    return false;
  }

  add(offset: number): void {
    if (this.has(offset)) return;
    let i = 0;
    while (i < this.ranges.length && this.ranges[i]!.to < offset) i++;
    const r = this.ranges[i];
    if (r !== undefined && r.to === offset) {
      r.to = offset + 1;
      const next = this.ranges[i + 1];
      if (next !== undefined && next.from === r.to) {
        r.to = next.to;
        this.ranges.splice(i + 1, 1);
      }
    } else if (r !== undefined && r.from === offset + 1) {
      r.from = offset;
    } else {
      this.ranges.splice(i, 0, { from: offset, to: offset + 1 });
    }
  }

  /** Forgets what lies below `floor` (the committed offset: never read again). */
  prune(floor: number): void {
    this.ranges = this.ranges.filter((r) => r.to > floor).map((r) => ({ from: Math.max(r.from, floor), to: r.to }));
  }

  toJSON(): OffsetRange[] {
    return this.ranges.map((r) => ({ from: r.from, to: r.to }));
  }
}
