import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { ValidationFailedError, type FieldError } from './domain.error';

/** The global pipe: class-validator failures become a 400 problem naming each field. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationFailedError(flatten(errors)),
  });
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = !parent ? error.property : /^\d+$/.test(error.property) ? `${parent}[${error.property}]` : `${parent}.${error.property}`;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message: readable(error.property, message) }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/** class-validator starts its messages with the property name, which `field` already says. */
function readable(property: string, message: string): string {
  if (message === `property ${property} should not exist`) return 'is not an accepted field';
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}
