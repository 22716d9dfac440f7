/** A mistake in what was typed: exit 2, with what to type instead. */
export class UsageError extends Error {
  override name = 'UsageError';
  readonly exitCode = 2;
}
