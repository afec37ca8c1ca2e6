import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateSync } from 'class-validator';
import { ValidationFailedError } from 'src/common/errors/domain.error';
import { IsNotCommonPassword, assertAcceptablePassword, isCommonPassword, passwordWeakness } from './password-policy';

test('common passwords are refused whatever their case; long unusual ones pass', () => {
  for (const password of ['1234567890', 'qwertyuiop', 'Password123', 'IloveYou123', ' password123 ']) {
    assert.equal(isCommonPassword(password), true, password);
    assert.match(passwordWeakness(password) ?? '', /most common passwords/, password);
  }
  for (const password of ['a-long-enough-password', 'admin-password-1', 'correct-horse-battery']) {
    assert.equal(passwordWeakness(password), undefined, password);
  }
});

test('length and the email address', () => {
  assert.match(passwordWeakness('short')!, /at least 10/);
  assert.match(passwordWeakness('x'.repeat(257))!, /at most 256/);
  assert.match(passwordWeakness('Ada.Lovelace@example.com', { email: 'ada.lovelace@example.com' })!, /email/);
  assert.match(passwordWeakness('ada.lovelace', { email: 'ada.lovelace@example.com' })!, /email/);
});

test('assertAcceptablePassword names the field it is told', () => {
  assert.doesNotThrow(() => assertAcceptablePassword('a-long-enough-password'));
  try {
    assertAcceptablePassword('1234567890', { field: 'newPassword' });
    assert.fail('expected a ValidationFailedError');
  } catch (error) {
    assert.ok(error instanceof ValidationFailedError);
    assert.equal(error.status, 400);
    assert.deepEqual(error.errors?.map((e) => e.field), ['newPassword']);
  }
});

test('the decorator leaves length to MinLength and refuses common passwords', () => {
  class Dto {
    @IsNotCommonPassword()
    password: string;
  }
  const check = (password: unknown) => {
    const dto = Object.assign(new Dto(), { password });
    return validateSync(dto).length;
  };
  assert.equal(check('password123'), 1);
  assert.equal(check('123456'), 0, 'too short: MinLength reports it, not this');
  assert.equal(check('a-long-enough-password'), 0);
});
