/**
 * An exact set of short ASCII strings (installation ids, canonical device IDs) that costs
 * about len + 9 bytes per member instead of a JS string and Set entry (~80+ bytes): a
 * file may hold 10 million installations and several times as many devices.
 */
export class CompactStringSet {
  private arena = new Uint8Array(1 << 16);
  private used = 1; // offset 0 marks an empty slot
  private slots = new Int32Array(1 << 12);
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Adds an ASCII string of at most 255 chars; returns false when it was already present. */
  add(s: string): boolean {
    if (this.count * 2 >= this.slots.length) this.grow();
    const slot = this.find(s);
    if (this.slots[slot] !== 0) return false;
    this.slots[slot] = this.store(s);
    this.count++;
    return true;
  }

  has(s: string): boolean {
    return this.slots[this.find(s)] !== 0;
  }

  private find(s: string): number {
    const mask = this.slots.length - 1;
    let slot = hash(s) & mask;
    for (;;) {
      const at = this.slots[slot]!;
      if (at === 0 || this.equals(at, s)) return slot;
      slot = (slot + 1) & mask;
    }
  }

  private equals(at: number, s: string): boolean {
    const a = this.arena;
    if (a[at] !== s.length) return false;
    for (let k = 0; k < s.length; k++) if (a[at + 1 + k] !== s.charCodeAt(k)) return false;
    return true;
  }

  private store(s: string): number {
    if (s.length > 255) throw new RangeError('CompactStringSet members are at most 255 chars');
    const need = this.used + s.length + 1;
    if (need > this.arena.length) {
      const bigger = new Uint8Array(Math.max(need, this.arena.length * 2));
      bigger.set(this.arena.subarray(0, this.used));
      this.arena = bigger;
    }
    const at = this.used;
    this.arena[at] = s.length;
    for (let k = 0; k < s.length; k++) this.arena[at + 1 + k] = s.charCodeAt(k) & 0xff;
    this.used = need;
    return at;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    const mask = this.slots.length - 1;
    for (const at of old) {
      if (at === 0) continue;
      let slot = hashArena(this.arena, at) & mask;
      while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
      this.slots[slot] = at;
    }
  }
}

// FNV-1a over the characters; the same bytes as in the arena.
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ (s.charCodeAt(k) & 0xff), 0x01000193);
  return h >>> 0;
}

function hashArena(a: Uint8Array, at: number): number {
  let h = 0x811c9dc5;
  const len = a[at]!;
  for (let k = 0; k < len; k++) h = Math.imul(h ^ a[at + 1 + k]!, 0x01000193);
  return h >>> 0;
}
