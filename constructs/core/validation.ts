import { IConstruct } from 'constructs';

/**
 * One problem found in a construct's props: which property, what was given, what is allowed.
 * cdktf prefixes every validation message with the construct path, so the path is not repeated here.
 */
export interface PropProblem {
  /** The property, in the dotted form a user wrote it, e.g. `tables[2].primaryKey`. */
  readonly property: string;
  /** The value given. */
  readonly value: unknown;
  /** What is allowed instead. */
  readonly allowed: string;
}

/** Formats a value for an error message: short, never a secret (secrets are tokens by then). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value.length > 120 ? value.slice(0, 117) + '...' : value);
  try {
    const text = JSON.stringify(value);
    return text.length > 120 ? text.slice(0, 117) + '...' : text;
  } catch {
    return String(value);
  }
}

/** Renders one problem as the line a user reads. */
export function formatProblem(p: PropProblem): string {
  return `${p.property}: ${describeValue(p.value)} is not valid; allowed: ${p.allowed}`;
}

/**
 * Collects problems while a construct checks its props.
 * The collected list is handed to `node.addValidation`, so every problem of the whole app
 * is reported in one synth instead of stopping at the first.
 */
export class Problems {
  private readonly list: PropProblem[] = [];

  /** Records a problem. */
  public add(property: string, value: unknown, allowed: string): this {
    this.list.push({ property, value, allowed });
    return this;
  }

  /** Records a problem when `ok` is false. Returns `ok`. */
  public check(ok: boolean, property: string, value: unknown, allowed: string): boolean {
    if (!ok) this.add(property, value, allowed);
    return ok;
  }

  /** True when nothing was recorded. */
  public get empty(): boolean {
    return this.list.length === 0;
  }

  /** Problems rendered as messages. */
  public messages(): string[] {
    return this.list.map(formatProblem);
  }
}

/**
 * Registers a validation that runs at synth time and reports every problem `check` finds.
 * `check` runs lazily, so props mutated after construction (e.g. topics added later) are seen.
 */
export function validateProps(scope: IConstruct, check: (problems: Problems) => void): void {
  scope.node.addValidation({
    validate: () => {
      const problems = new Problems();
      check(problems);
      return problems.messages();
    },
  });
}

/** The error a construct throws when required props are missing at run time (see {@link requireProps}). */
export class MissingPropsError extends Error {
  /** The problems, each `[construct path] prop: undefined is not valid; allowed: …`. */
  public readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Construct stopped: ${problems.length} required prop(s) missing.\n  ${problems.join('\n  ')}`);
    this.name = 'MissingPropsError';
    this.problems = problems;
  }
}

/**
 * Checks at run time, at the top of a constructor, that every required prop is there: TypeScript
 * checks it at compile time, but an app in plain JavaScript or run by `ts-node --transpile-only`
 * would otherwise fail with a bare `TypeError: Cannot read properties of undefined` from deep inside
 * the construct. Throws one {@link MissingPropsError} naming the construct path and every missing
 * prop with what is allowed, in the format of the other problems; construction cannot go on
 * without them, so this is the one check that throws rather than waiting for synth.
 *
 * @param required each required prop and what it takes, e.g. `{ name: 'string', platform: 'IKafkaPlatform' }`
 */
export function requireProps(scope: IConstruct, props: unknown, required: Readonly<Record<string, string>>): void {
  const given = props !== null && typeof props === 'object' ? (props as Record<string, unknown>) : {};
  const missing = Object.entries(required).filter(([name]) => given[name] === undefined || given[name] === null);
  if (missing.length === 0) return;
  throw new MissingPropsError(
    missing.map(([name, allowed]) => `[${scope.node.path}] ${name}: ${describeValue(given[name])} is not valid; allowed: ${allowed} (required)`),
  );
}

/** {@link requireProps}, reachable through `validateProps`, which every construct already imports. */
validateProps.required = requireProps;

/** True when `value` is a number that is an integer within [min, max]. */
export function isIntIn(value: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER): boolean {
  return value !== undefined && Number.isInteger(value) && value >= min && value <= max;
}
