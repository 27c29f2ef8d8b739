import { InvalidArgumentError } from 'commander';

/** Commander parsers that reject bad numbers with a clear message. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1)
    throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n))
    throw new InvalidArgumentError('expected a non-negative integer');
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError('expected a positive number');
  return n;
}

export function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n >= 0 && n < 1)) throw new InvalidArgumentError('expected a number in [0, 1)');
  return n;
}

export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value))
      throw new InvalidArgumentError(`expected one of: ${choices.join(', ')}`);
    return value as T;
  };
}

export function nonNegativeNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number ≥ 0');
  return n;
}

/** "a,b": two positive numbers. */
export function numberPair(value: string): [number, number] {
  const parts = value.split(',').map((v) => Number(v.trim()));
  if (parts.length !== 2 || !parts.every((n) => Number.isFinite(n) && n > 0))
    throw new InvalidArgumentError('expected two positive numbers, e.g. 34,4');
  return [parts[0], parts[1]];
}

/** "a,b,c": a non-empty list of choices, without repeats. */
export function listOf<T extends string>(choices: readonly T[]): (value: string) => T[] {
  return (value) => {
    const items = value.split(',').map((v) => v.trim());
    for (const item of items) {
      if (!(choices as readonly string[]).includes(item))
        throw new InvalidArgumentError(`"${item}" is not one of: ${choices.join(', ')}`);
    }
    if (new Set(items).size !== items.length) throw new InvalidArgumentError('a choice is repeated');
    return items as T[];
  };
}

/** "1e-2,1e-3": a non-empty list of distinct positive numbers. */
export function positiveNumberList(value: string): number[] {
  const items = value.split(',').map((v) => v.trim());
  const numbers = items.map(Number);
  if (items.some((v, i) => v === '' || !Number.isFinite(numbers[i]) || numbers[i] <= 0))
    throw new InvalidArgumentError('expected positive numbers separated by commas, e.g. 1e-2,1e-3');
  if (new Set(numbers).size !== numbers.length) throw new InvalidArgumentError('a number is repeated');
  return numbers;
}
