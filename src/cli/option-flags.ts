/**
 * The run options' command-line flags, derived from the options schema (workflow/run-options.ts):
 * each option becomes its flag on the commands that take it, and the parsed flags become option
 * values again. `--no-x` flags and inverted ones (`--skip-validation`) set their option to false.
 */
import { Option, type Command } from 'commander';
import { RUN_OPTION_NAMES, RUN_OPTIONS, type RunOptionName, type RunOptionValues } from '../workflow/run-options.js';

function optionFor(name: RunOptionName, defaults: 'schema' | 'none'): Option {
  const spec = RUN_OPTIONS[name];
  const option = new Option(spec.cli.flag, 'help' in spec.cli ? spec.cli.help : spec.description);
  if (spec.kind === 'choice') {
    option.choices([...spec.choices]);
    if (defaults === 'schema') option.default(spec.default);
  }
  return option;
}

/**
 * Adds the flags of `names` to `command`. With defaults `none` (step mode) a flag that is not
 * given stays unset, so the value recorded in `task_config.json` applies instead.
 */
export function addOptionFlags(command: Command, names: readonly RunOptionName[] = RUN_OPTION_NAMES, defaults: 'schema' | 'none' = 'schema'): Command {
  for (const name of names) {
    command.addOption(optionFor(name, defaults));
    // Commander pairs `--x` with `--no-x` on one value: the older flag still sets it.
    const spec = RUN_OPTIONS[name];
    if ('opposite' in spec.cli) command.addOption(new Option(spec.cli.opposite).hideHelp());
  }
  return command;
}

/** The option values the user gave on the command line (options whose flag was not given are absent). */
export function optionValuesFromFlags(command: Command, names: readonly RunOptionName[] = RUN_OPTION_NAMES): Partial<RunOptionValues> {
  const values: Partial<Record<RunOptionName, unknown>> = {};
  for (const name of names) {
    const spec = RUN_OPTIONS[name];
    const option = command.options.find((o) => o.long === optionFor(name, 'none').long);
    if (!option) continue;
    const key = option.attributeName();
    // Commander's own defaults (a `--no-x` flag's true) do not count as given.
    if (command.getOptionValueSource(key) !== 'cli') continue;
    const raw: unknown = command.getOptionValue(key);
    if (spec.kind === 'choice') values[name] = raw;
    else if (option.negate) values[name] = raw === true;
    else values[name] = 'inverted' in spec.cli && spec.cli.inverted ? raw !== true : raw === true;
  }
  return values as Partial<RunOptionValues>;
}
