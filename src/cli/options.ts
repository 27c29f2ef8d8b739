import { InvalidArgumentError } from 'commander';
import { valueProblem, type OptionKind } from '../train/recipe-options.js';

/** The command-line parser of an option kind: the text read as that kind, then checked by its one rule. */
export function parserFor(kind: OptionKind): (value: string) => unknown {
  return (value) => {
    const text = value.trim();
    let parsed: unknown;
    if (Array.isArray(kind)) parsed = value;
    else if (kind === 'pair') parsed = text.split(',').map((v) => (v.trim() === '' ? NaN : Number(v)));
    else if (kind === 'count' || kind === 'whole') parsed = /^\d+$/.test(text) ? Number(text) : NaN;
    else parsed = text === '' ? NaN : Number(text);
    const problem = valueProblem(kind, parsed);
    if (problem) throw new InvalidArgumentError(problem);
    return parsed;
  };
}

/** Commander parsers that reject bad values with a clear message. */
export const positiveInt = parserFor('count') as (value: string) => number;
export const nonNegativeInt = parserFor('whole') as (value: string) => number;
export const positiveNumber = parserFor('positive') as (value: string) => number;
export const nonNegativeNumber = parserFor('nonNegative') as (value: string) => number;
export const fraction = parserFor('fraction') as (value: string) => number;
export const numberPair = parserFor('pair') as (value: string) => [number, number];
export function oneOf<T extends string>(choices: readonly T[]): (value: string) => T {
  return parserFor(choices) as (value: string) => T;
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
