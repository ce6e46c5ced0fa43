// The audit log in segments. Records are appended to audit.log, the active segment; once it holds
// the segment size or more, it is renamed audit-<first>-<end>.log, where <first> is its first
// record's sequence number and <end> the one after its last (16 digits each), and the next record
// starts a new audit.log. The chain runs on across segments: a segment's first record carries the
// previous segment's last MAC, so a segment removed, replaced or reordered breaks the chain where it
// was. Archived segments are never written again; a crash between the rename and the next append
// leaves no audit.log, and the chain's head is then the newest archive's last record.

export const ACTIVE_SEGMENT = 'audit.log';
const ARCHIVED = /^audit-(\d{16})-(\d{16})\.log$/;

/** A segment file and the sequence numbers of its records: from `first` up to `end` (Infinity for the active one). */
export interface Segment {
  name: string;
  first: number;
  end: number;
}

export function archivedName(first: number, end: number): string {
  return `audit-${String(first).padStart(16, '0')}-${String(end).padStart(16, '0')}.log`;
}

/** The segments in `names` (a directory's files), oldest first, the active one last (whether or not its file exists yet). */
export function segmentsOf(names: string[]): Segment[] {
  const archived = names.flatMap((name) => {
    const match = ARCHIVED.exec(name);
    return match ? [{ name, first: Number(match[1]), end: Number(match[2]) }] : [];
  }).sort((a, b) => a.first - b.first);
  return [...archived, { name: ACTIVE_SEGMENT, first: archived.at(-1)?.end ?? 0, end: Infinity }];
}

/** Where to start reading for the records from `count` on: the segment holding record `count - 1` (a position is within it). */
export function segmentBefore(segments: Segment[], count: number): number {
  if (count === 0) return 0;
  // Stryker disable next-line ConditionalExpression,ArithmeticOperator: segments are contiguous and sorted, so the first one ending after `count - 1` holds it (`s.first <= …` made true, or `count + 1` in it, finds the same one; the other mutants of these mutators here are killed: unmarked run)
  const index = segments.findIndex((s) => s.first <= count - 1 && count - 1 < s.end);
  // Stryker disable next-line ArithmeticOperator: a checkpoint past every segment (its archive removed): `segments.length + 1` reads nothing and the trail is reported invalid, which the contract allows as much as the StoreIntegrityError of `- 1`
  return index < 0 ? segments.length - 1 : index;
}
