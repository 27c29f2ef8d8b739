import { Option, type Command } from 'commander';
import { flagOf, RECIPE_OPTIONS, type RecipeOptionName } from '../train/recipe-options.js';
import { parserFor } from './options.js';

/**
 * Adds recipe options to a command, as recipe-options.ts declares them: `names` in order (default: all), with
 * `overrides` of a default or help where the command means something else (experiment: 5 epochs per run).
 */
export function addRecipeOptions(
  command: Command,
  names: readonly RecipeOptionName[] = Object.keys(RECIPE_OPTIONS) as RecipeOptionName[],
  overrides: { [K in RecipeOptionName]?: { default?: unknown; help?: string } } = {},
): Command {
  for (const name of names) {
    const spec: { arg?: string; kind: unknown; default?: unknown; help: string } = RECIPE_OPTIONS[name];
    const help = overrides[name]?.help ?? spec.help;
    const option = new Option(`--${flagOf(name)}${spec.arg ? ' ' + spec.arg : ''}`, help);
    if (spec.arg) option.argParser(parserFor(RECIPE_OPTIONS[name].kind));
    const value = overrides[name] && 'default' in overrides[name] ? overrides[name].default : spec.default;
    if (value !== undefined) option.default(value);
    command.addOption(option);
  }
  return command;
}
