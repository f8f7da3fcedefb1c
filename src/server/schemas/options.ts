/** The run options as request fields, derived from the options schema (workflow/run-options.ts). */
import { Type, type TBoolean, type TOptional, type TUnsafe } from '@sinclair/typebox';
import { RUN_OPTIONS, type RunOptionName } from '../../services/catalog.js';
import { StringEnum } from './common.js';

type Spec<K extends RunOptionName> = (typeof RUN_OPTIONS)[K];
type FieldOf<K extends RunOptionName> = TOptional<
  Spec<K> extends { kind: 'boolean' } ? TBoolean : Spec<K> extends { choices: readonly (infer C)[] } ? TUnsafe<C> : never
>;

function field<K extends RunOptionName>(name: K): FieldOf<K> {
  const spec = RUN_OPTIONS[name];
  const schema =
    spec.kind === 'boolean'
      ? Type.Boolean({ default: spec.default, description: spec.description })
      : StringEnum(spec.choices, { default: spec.default, description: spec.description });
  return Type.Optional(schema) as FieldOf<K>;
}

/** Optional request fields for `names`, each with its default and description. */
export function optionFields<const K extends RunOptionName>(names: readonly K[]): { [P in K]: FieldOf<P> } {
  return Object.fromEntries(names.map((name) => [name, field(name)])) as { [P in K]: FieldOf<P> };
}

/** Optional request fields for task options an execute may override: no default (the task's value holds). */
export function overrideFields<const K extends RunOptionName>(names: readonly K[]): { [P in K]: FieldOf<P> } {
  return Object.fromEntries(
    names.map((name) => {
      const spec = RUN_OPTIONS[name];
      const description = `for this run only (default: the task's value): ${spec.description}`;
      return [name, Type.Optional(spec.kind === 'boolean' ? Type.Boolean({ description }) : StringEnum(spec.choices, { description }))];
    }),
  ) as { [P in K]: FieldOf<P> };
}

/** The values of `names` as a response field: every option present. */
export function optionValues<const K extends RunOptionName>(names: readonly K[]) {
  const properties = Object.fromEntries(
    names.map((name) => {
      const spec = RUN_OPTIONS[name];
      return [name, spec.kind === 'boolean' ? Type.Boolean({ description: spec.description }) : StringEnum(spec.choices, { description: spec.description })];
    }),
  );
  return properties as { [P in K]: Spec<P> extends { kind: 'boolean' } ? TBoolean : Spec<P> extends { choices: readonly (infer C)[] } ? TUnsafe<C> : never };
}
