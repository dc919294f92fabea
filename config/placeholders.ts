/**
 * The placeholders a step's `command` may use, `{{...}}` in any argv element (issue 17, "The step contract").
 * Pure parsing and checking: what each placeholder expands to is decided per job by the stage-in phase
 * (workflows/job/), and this module only answers "is this a placeholder the contract knows, and may this
 * step use it".
 */

import { READ_LABELS, type ReadLabel } from '../contracts/jobPayload.ts';

export { READ_LABELS, type ReadLabel };

/** One placeholder as written, and what it names. */
export type Placeholder =
  | { kind: 'sample' | 'run' | 'team' | 'vcpus' | 'memoryMiB' | 'out' | 'samplesheet' | 'ref'; text: string }
  | { kind: 'reads'; label: ReadLabel; text: string }
  | { kind: 'steps'; step: string; text: string }
  | { kind: 'param'; column: string; text: string };

/** Placeholders that take no argument, in the order the README lists them. */
export const SIMPLE_PLACEHOLDERS = ['sample', 'run', 'team', 'vcpus', 'memoryMiB', 'out', 'samplesheet', 'ref'] as const;

/** Every form the contract knows, for error messages. */
export const KNOWN_FORMS = [
  ...SIMPLE_PLACEHOLDERS.map((name) => `{{${name}}}`),
  `{{reads.<${READ_LABELS.join('|')}>}}`,
  '{{steps.<step>}}',
  '{{param.<Column>}}',
].join(', ');

/** A `{{...}}` that is not one of the contract's placeholders, or a `{{` never closed. */
export class PlaceholderSyntaxError extends Error {
  constructor(
    message: string,
    readonly text: string,
  ) {
    super(message);
    this.name = 'PlaceholderSyntaxError';
  }
}

const TOKEN = /\{\{([^{}]*)\}\}/g;
const SAMPLE_SHEET_COLUMN = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const STEP_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Parses one placeholder body (the text between `{{` and `}}`).
 *
 * @throws PlaceholderSyntaxError naming the placeholder and the forms the contract knows
 * @example parsePlaceholder('reads.R1'); // { kind: 'reads', label: 'R1', text: '{{reads.R1}}' }
 */
export function parsePlaceholder(body: string): Placeholder {
  const text = `{{${body}}}`;
  const trimmed = body.trim();
  if (trimmed !== body) throw new PlaceholderSyntaxError(`placeholder ${text} has spaces inside the braces; write {{${trimmed}}}`, text);
  if ((SIMPLE_PLACEHOLDERS as readonly string[]).includes(body)) return { kind: body as (typeof SIMPLE_PLACEHOLDERS)[number], text };
  const dot = body.indexOf('.');
  const [head, rest] = dot === -1 ? [body, ''] : [body.slice(0, dot), body.slice(dot + 1)];
  if (head === 'reads') {
    if ((READ_LABELS as readonly string[]).includes(rest)) return { kind: 'reads', label: rest as ReadLabel, text };
    throw new PlaceholderSyntaxError(`unknown placeholder ${text}: reads are labelled ${READ_LABELS.join(', ')}`, text);
  }
  if (head === 'steps') {
    if (STEP_NAME.test(rest)) return { kind: 'steps', step: rest, text };
    throw new PlaceholderSyntaxError(`unknown placeholder ${text}: {{steps.<step>}} names a step (lower-case, ^[a-z][a-z0-9-]*$)`, text);
  }
  if (head === 'param') {
    if (SAMPLE_SHEET_COLUMN.test(rest)) return { kind: 'param', column: rest, text };
    throw new PlaceholderSyntaxError(`unknown placeholder ${text}: {{param.<Column>}} names a sample-sheet column`, text);
  }
  throw new PlaceholderSyntaxError(`unknown placeholder ${text} (known: ${KNOWN_FORMS})`, text);
}

/**
 * Every placeholder in one argv element, in order.
 *
 * @throws PlaceholderSyntaxError for an unknown placeholder or a `{{` without its `}}`
 * @example placeholdersIn('{{out}}/{{sample}}.bam'); // [{ kind: 'out', … }, { kind: 'sample', … }]
 */
export function placeholdersIn(element: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const match of element.matchAll(TOKEN)) found.push(parsePlaceholder(match[1]!));
  const rest = element.replace(TOKEN, '');
  const open = rest.indexOf('{{');
  if (open !== -1) {
    const fragment = rest.slice(open, open + 30);
    throw new PlaceholderSyntaxError(`"${fragment}" opens a placeholder that is never closed with }}`, fragment);
  }
  return found;
}

/**
 * Replaces every placeholder of `element` with `expand(placeholder)`; text outside placeholders is kept as is.
 *
 * @example substitutePlaceholders('{{out}}/x', (p) => (p.kind === 'out' ? '/landfall/out' : '')); // '/landfall/out/x'
 */
export function substitutePlaceholders(element: string, expand: (placeholder: Placeholder) => string): string {
  placeholdersIn(element); // throws on anything malformed before a partial substitution
  return element.replace(TOKEN, (_match, body: string) => expand(parsePlaceholder(body)));
}

/** Programs that run text (`sh -c '…'`): their `command[0]` is not the tool a step requires. */
export const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh']);

/** The program `command[0]` names, without its folder (`/bin/sh` → `sh`). */
export function programName(command0: string): string {
  return command0.slice(command0.lastIndexOf('/') + 1);
}

/** Whether argv element `index` of `command` is shell script text (`sh -c <text>`), where substituted values need care. */
export function isShellScript(command: readonly string[], index: number): boolean {
  if (!SHELLS.has(programName(command[0] ?? ''))) return false;
  const flag = command.indexOf('-c');
  return flag !== -1 && index === flag + 1;
}

/**
 * Characters a value may hold to be substituted into shell script text unquoted: what sample ids, run folder
 * names, paths Landfall builds and numbers consist of. A sample-sheet value outside it would let a sheet
 * run commands, so such a sample is rejected at validation instead (config/pipelineChecks.ts).
 */
export const SHELL_SAFE_VALUE = /^[A-Za-z0-9._+,:=@%/-]*$/;
