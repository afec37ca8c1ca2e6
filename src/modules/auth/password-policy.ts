import { dictionary } from '@zxcvbn-ts/language-common';
import { registerDecorator, type ValidationOptions } from 'class-validator';
import { ValidationFailedError } from 'src/common/errors/domain.error';

export const PASSWORD_MIN_LENGTH = 10;
export const PASSWORD_MAX_LENGTH = 256;

const TOO_COMMON = 'is one of the most common passwords (it is in published password lists); choose another';

let common: Set<string> | undefined;

/**
 * The ~49,000 most common passwords of leaked-password corpora, as shipped
 * by @zxcvbn-ts/language-common (all lowercase). Built once, on first use.
 */
function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common']);
  return common;
}

export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.trim().toLowerCase());
}

/**
 * Why a new password is refused, or undefined when it is acceptable:
 * 10–256 characters, not one of the common passwords (compared without
 * regard to case), not the account's email address or its local part.
 */
export function passwordWeakness(password: string, context: { email?: string } = {}): string | undefined {
  if (typeof password !== 'string') return 'must be a string';
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  if (isCommonPassword(password)) return TOO_COMMON;
  if (context.email) {
    const email = context.email.trim().toLowerCase();
    const lowered = password.trim().toLowerCase();
    if (lowered === email || lowered === email.split('@')[0]) return 'must not be your email address';
  }
  return undefined;
}

/**
 * The one check every flow that sets a password calls (register, password
 * change, password reset): throws a 400 problem naming `field` when the
 * password breaks the policy.
 */
export function assertAcceptablePassword(password: string, options: { field?: string; email?: string } = {}): void {
  const problem = passwordWeakness(password, { email: options.email });
  if (problem) throw new ValidationFailedError([{ field: options.field ?? 'password', message: problem }]);
}

/**
 * class-validator: refuses common passwords. Length stays with @MinLength and
 * @MaxLength (so a short password gets one message, not two).
 */
export function IsNotCommonPassword(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isNotCommonPassword',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: TOO_COMMON, ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value !== 'string' || value.length < PASSWORD_MIN_LENGTH || value.length > PASSWORD_MAX_LENGTH || !isCommonPassword(value),
      },
    });
}
