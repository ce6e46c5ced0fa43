import { describe, expect, it } from 'vitest';
import { RecordTable, Transaction } from '../../src/kms/record-tables.js';

interface Row { id: string; owner: string; tags: string[] }

const table = () => {
  const rows = new RecordTable<Row>((r) => r.id, { byOwner: (r) => r.owner });
  rows.load([{ id: 'a', owner: 'x', tags: ['t'] }, { id: 'b', owner: 'x', tags: [] }]);
  return rows;
};

describe('RecordTable and Transaction', () => {
  it('stored records are frozen, nested fields included: a change outside a transaction throws', () => {
    const rows = table();
    expect(() => { rows.get('a')!.owner = 'y'; }).toThrow(TypeError);
    expect(() => { rows.get('a')!.tags.push('u'); }).toThrow(TypeError);
  });

  it('edit copies one record; commit keeps and freezes it and reports only what changed', () => {
    const rows = table();
    const tx = new Transaction();
    const original = rows.get('a')!;
    const copy = tx.edit(rows, 'a');
    copy.owner = 'y';
    copy.tags.push('u');
    expect(tx.edit(rows, 'a')).toBe(copy); // the same copy for the rest of the transaction
    expect(original).toEqual({ id: 'a', owner: 'x', tags: ['t'] });
    expect(rows.lookup('byOwner', 'y').map((r) => r.id)).toEqual(['a']); // indexes follow the copy at once
    tx.insert(rows, { id: 'c', owner: 'y', tags: [] });
    tx.remove(rows, 'b');
    expect(tx.changes(rows)).toEqual({ put: [copy, { id: 'c', owner: 'y', tags: [] }], deleted: ['b'] });
    tx.commit();
    expect(tx.changed).toBe(false);
    expect(Object.isFrozen(rows.get('a')!.tags) && Object.isFrozen(rows.get('c'))).toBe(true);
    expect(rows.lookup('byOwner', 'x')).toEqual([]);
    expect(rows.lookup('byOwner', 'y').map((r) => r.id).sort()).toEqual(['a', 'c']);
    expect(rows.size).toBe(2);
  });

  it('rollback restores exactly the touched records, and their index entries', () => {
    const rows = table();
    const tx = new Transaction();
    const before = [...rows.values()];
    tx.edit(rows, 'a').owner = 'z';
    tx.remove(rows, 'b');
    tx.insert(rows, { id: 'c', owner: 'x', tags: [] });
    tx.rollback();
    expect([...rows.values()].sort((p, q) => p.id.localeCompare(q.id))).toEqual(before);
    expect(rows.get('a')).toBe(before[0]); // the original object, not a copy
    expect(rows.lookup('byOwner', 'x').map((r) => r.id).sort()).toEqual(['a', 'b']);
    expect(rows.lookup('byOwner', 'z')).toEqual([]);
    expect(tx.changes(rows)).toEqual({ put: [], deleted: [] });
  });
});
