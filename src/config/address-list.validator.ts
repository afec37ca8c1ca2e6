import { ValidateBy, type ValidationArguments } from 'class-validator';
import { parseAddressList } from 'src/common/net/address-list';

function problem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be a comma-separated list of IP addresses and CIDR ranges';
  try {
    parseAddressList(value);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/** A comma-separated list of IP addresses and CIDR ranges (empty allowed). */
export function IsAddressList(): PropertyDecorator {
  return ValidateBy({
    name: 'isAddressList',
    validator: {
      validate: (value: unknown) => problem(value) === undefined,
      defaultMessage: (args?: ValidationArguments) => problem(args?.value) ?? 'is invalid',
    },
  });
}
