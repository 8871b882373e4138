import { SessionConfigError } from './errors.js';

/** What to use instead of an option podsafe does not take; a function gets the value that was given. */
export type OptionHint = string | ((value: unknown) => string);

/**
 * Refuses every key of `given` that is not in `known`, with a
 * `SessionConfigError` naming each one and what to do: its `hints` entry
 * (an option of another library, mapped to podsafe's), else the valid options.
 * An option nobody reads is a setting the app believes in and does not have,
 * so nothing is ignored silently.
 *
 * @param where - what the options configure, for the message, e.g. `'JwtStore'`.
 */
export function rejectUnknownOptions(
  where: string,
  given: object,
  known: readonly string[],
  hints: Readonly<Record<string, OptionHint>> = {},
): void {
  const unknown = Object.keys(given).filter((key) => !known.includes(key));
  if (unknown.length === 0) return;
  const lines = unknown.map((key) => {
    const hint = Object.hasOwn(hints, key) ? hints[key]! : undefined;
    const text = typeof hint === 'function' ? hint((given as Record<string, unknown>)[key]) : hint;
    return text === undefined ? `unknown option ${JSON.stringify(key)}` : `${JSON.stringify(key)} is not a podsafe option: ${text}`;
  });
  const listed = unknown.some((key) => !Object.hasOwn(hints, key)) ? ` Valid options: ${known.join(', ')}.` : '';
  throw new SessionConfigError(`${where}: ${lines.join('; ')}.${listed}`);
}
