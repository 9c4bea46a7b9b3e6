import { plainToInstance, Transform } from 'class-transformer';
import { applyDecorators } from '@nestjs/common';
import { IsInt, Max, Min, ValidationError, validateSync } from 'class-validator';

export type RawEnv = Record<string, string | undefined>;
type Constructor<T> = new () => T;

/** Parses one section of the environment; every problem is returned, none thrown. */
export function parseEnv<T extends object>(cls: Constructor<T>, env: RawEnv): { value: T; errors: string[] } {
  const value = plainToInstance(cls, pickDefined(env), { exposeDefaultValues: true });
  const errors = validateSync(value, {
    skipMissingProperties: false,
    forbidUnknownValues: false,
    stopAtFirstError: true,
  }).flatMap(describeError);
  return { value, errors };
}

/** Same as parseEnv, for a section that was already validated at start-up. */
export function loadEnv<T extends object>(cls: Constructor<T>, env: RawEnv): T {
  const { value, errors } = parseEnv(cls, env);
  if (errors.length > 0) throw new Error(`Invalid configuration:\n  - ${errors.join('\n  - ')}`);
  return value;
}

function describeError(error: ValidationError): string[] {
  const shown =
    typeof error.value === 'string' && /SECRET|KEY|REDIS_URL|^https?_proxy$/i.test(error.property)
      ? '<redacted>'
      : error.value;
  return Object.values(error.constraints ?? {}).map((message) =>
    shown === undefined ? message : `${message} (got ${JSON.stringify(shown)})`,
  );
}

function pickDefined(env: RawEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') out[key] = value.trim();
  }
  return out;
}

export const ToBoolean = (): PropertyDecorator =>
  Transform(({ value }) => {
    if (typeof value === 'boolean' || value === undefined) return value;
    const text = String(value).toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(text)) return true;
    if (['0', 'false', 'no', 'off'].includes(text)) return false;
    return value;
  });

/** An integer variable within [min, max]; `isIntMessage` replaces the generic "must be an integer" text. */
export const IntRange = (min: number, max: number, isIntMessage?: string): PropertyDecorator =>
  applyDecorators(ToInt(), IsInt(isIntMessage ? { message: isIntMessage } : {}), Min(min), Max(max));

export const ToInt = (): PropertyDecorator =>
  Transform(({ value }) => (typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value));

/** Comma- or space-separated list; an empty list stays empty. */
export const ToList = (): PropertyDecorator =>
  Transform(({ value }) =>
    typeof value === 'string'
      ? value
          .split(/[\s,]+/)
          .map((item) => item.trim())
          .filter(Boolean)
      : value,
  );

const PLACEHOLDER =
  /change[-_ ]?me|placeholder|replace[-_ ]?me|your[-_ ]|example|dummy|^x+$|^test$|^secret$|^password$|^<.*>$/i;

export function isPlaceholder(value: string | undefined): boolean {
  return value !== undefined && PLACEHOLDER.test(value);
}
