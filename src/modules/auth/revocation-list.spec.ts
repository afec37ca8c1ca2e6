import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RevocationList, decodeMessage, decodeRevocation, encodeMessage, encodeRevocation, type Revocation } from './revocation-list';

const SID = '0b9f4d3e-7c1a-4f7e-9d55-2f6a1c3b8e01';
const UID = '5d2c1b0a-1111-4222-8333-444455556666';

test('members and messages round-trip', () => {
  const entries: Revocation[] = [
    { kind: 'session', sessionId: SID, until: 2_000 },
    { kind: 'user', userId: UID, cutoff: 1_500, until: 3_000 },
    { kind: 'role', userId: UID, role: 'user', at: 1_600, until: 4_000 },
  ];
  for (const entry of entries) assert.deepEqual(decodeRevocation(encodeRevocation(entry), entry.until), entry);
  assert.deepEqual(decodeMessage(encodeMessage(entries)), entries);
});

test('malformed members and lines are ignored', () => {
  for (const member of ['', 's|', 'x|abc', 's|a b', 'u|abc|12x', 'r|abc|root|1', 'r|abc|admin', `s|${SID}|extra`]) {
    assert.equal(decodeRevocation(member, 1), undefined, member);
  }
  assert.equal(decodeRevocation(`s|${SID}`, Number.NaN), undefined);
  assert.deepEqual(decodeMessage(`garbage\nNaN s|${SID}\n5 s|${SID}`), [{ kind: 'session', sessionId: SID, until: 5 }]);
});

test('sessions, user cutoffs and role changes are looked up, merged and pruned', () => {
  const list = new RevocationList();
  assert.equal(list.isSessionRevoked(SID), false);
  list.add({ kind: 'session', sessionId: SID, until: 10_000 });
  assert.equal(list.isSessionRevoked(SID), true);

  list.add({ kind: 'user', userId: UID, cutoff: 5_500, until: 20_000 });
  assert.equal(list.isUserCutOff(UID, 5), true, 'issued in an earlier second');
  assert.equal(list.isUserCutOff(UID, 6), false, 'issued after the cutoff second');
  assert.equal(list.isUserCutOff(UID, undefined), true, 'no iat: refused');
  list.add({ kind: 'user', userId: UID, cutoff: 1_000, until: 1_000 });
  assert.equal(list.isUserCutOff(UID, 5), true, 'an older cutoff does not replace a newer one');

  list.add({ kind: 'role', userId: UID, role: 'user', at: 100, until: 20_000 });
  list.add({ kind: 'role', userId: UID, role: 'admin', at: 50, until: 20_000 });
  assert.equal(list.roleOf(UID), 'user', 'the latest change wins whatever the arrival order');

  list.prune(15_000);
  assert.equal(list.isSessionRevoked(SID), false);
  assert.equal(list.roleOf(UID), 'user');
  list.prune(20_000);
  assert.equal(list.size, 0);
});
