/**
 * SMSO lanes (docs/architecture.md, "Enrolment"): each configured SMSO has a partition of
 * the lane topic of its own, so one SMSO's waiting never holds up another's. The lane of
 * an SMSO is its position in the configured list; an SMSO not in the list (none should
 * reach enrolment: an MA names one of the configured) shares the partitions after them.
 */
export function laneOf(smso: string, configured: readonly string[], partitions: number): number {
  if (configured.length > partitions) {
    throw new RangeError(`${configured.length} SMSOs need ${configured.length} lane partitions, the topic has ${partitions}`);
  }
  const k = configured.indexOf(smso);
  if (k >= 0) return k;
  const spare = partitions - configured.length;
  if (spare === 0) return fnv1a(smso) % partitions;
  return configured.length + (fnv1a(smso) % spare);
}

function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
