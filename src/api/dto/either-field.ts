import { ValidateBy, ValidateIf } from 'class-validator';

/** The constraint whose message the validation pipe keeps for a missing field (`requiredOnce`). */
export const REQUIRED_UNLESS = 'requiredUnless';

/**
 * Required unless `other` is given (`schedule`, unless `text`): checked only when `other` is
 * absent, and a missing value says both names, since either would do.
 */
export function RequiredUnless(other: string): PropertyDecorator {
  return (target, key) => {
    ValidateIf((object: Record<string, unknown>) => object[other] == null)(target, key);
    ValidateBy({
      name: REQUIRED_UNLESS,
      validator: {
        validate: (value: unknown) => value !== undefined,
        defaultMessage: () => `${String(key)} or ${other} is required`,
      },
    })(target, key);
  };
}

/** Refused beside `other`: exactly one of the two may be given. */
export function NotWith(other: string, message: string): PropertyDecorator {
  return ValidateBy({
    name: 'notWith',
    validator: {
      validate: (_value: unknown, args) => (args?.object as Record<string, unknown>)[other] == null,
      defaultMessage: () => message,
    },
  });
}

export const SCHEDULE_OR_TEXT = 'give either schedule (a spec) or text (plain English), not both';
