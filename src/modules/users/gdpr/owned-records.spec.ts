import assert from 'node:assert/strict';
import { test } from 'node:test';
import { toSchema, type FieldDefinition } from 'src/modules/collections/collection-schema';
import { dependantsFirst } from './owned-records.repository';

const at = new Date(0);
const collection = (name: string, fields: FieldDefinition[] = []) => toSchema({ name, fields, ownerField: 'owner' }, 1, at, at);
const relation = (target: string): FieldDefinition => ({ name: `to_${target}`, type: 'relation', target });

test('a collection that points to another comes before it, whatever the starting order', () => {
  const lists = collection('lists');
  const items = collection('items', [relation('lists')]);
  const notes = collection('notes', [relation('items')]);
  assert.deepEqual(dependantsFirst([lists, items, notes]).map((s) => s.name), ['notes', 'items', 'lists']);
  assert.deepEqual(dependantsFirst([notes, lists, items]).map((s) => s.name), ['notes', 'items', 'lists']);
});

test('unrelated collections keep their order; a self-relation or a cycle still yields every collection once', () => {
  const a = collection('a');
  const b = collection('b');
  assert.deepEqual(dependantsFirst([a, b]).map((s) => s.name), ['a', 'b']);
  const self = collection('tree', [relation('tree')]);
  const x = collection('x', [relation('y')]);
  const y = collection('y', [relation('x')]);
  assert.deepEqual(dependantsFirst([self, x, y]).map((s) => s.name).sort(), ['tree', 'x', 'y']);
});
