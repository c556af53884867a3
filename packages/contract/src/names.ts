/** Source names become NATS subject tokens and directory names: letters, digits, `-` and `_` only. */
export const SOURCE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidSourceName(name: string): boolean {
  return SOURCE_NAME_PATTERN.test(name);
}

/** Why a name is not a valid source name, or null when it is. */
export function sourceNameProblem(name: string): string | null {
  if (name.length === 0) return 'is empty';
  if (name.length > 64) return 'is longer than 64 characters';
  if (!SOURCE_NAME_PATTERN.test(name)) {
    return 'may contain only letters, digits, "-" and "_" (it becomes a NATS subject token and a directory name)';
  }
  return null;
}
