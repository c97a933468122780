import { BadUserInputError } from './errors';

export const MODEL_NAME_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/** Model names appear in URLs, metric labels and file names: keep them to a safe alphabet. */
export function assertModelName(name: string, argument = 'name'): string {
  if (!MODEL_NAME_PATTERN.test(name)) {
    throw new BadUserInputError(
      `invalid model name ${JSON.stringify(name.length > 140 ? `${name.slice(0, 140)}…` : name)}: use 1-128 characters from A-Z a-z 0-9 . _ -`,
      { argument },
    );
  }
  return name;
}
