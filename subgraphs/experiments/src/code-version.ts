import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@modelplane/core';

let cached: string | null | undefined;

/** The git commit of the running code when the checkout is there to read (not in a container image): `.git/HEAD`, no git binary. */
export function codeVersion(): string | null {
  if (cached !== undefined) return cached;
  cached = null;
  try {
    const git = join(repoRoot, '.git');
    const head = readFileSync(join(git, 'HEAD'), 'utf8').trim();
    if (/^[0-9a-f]{40}$/.test(head)) return (cached = head);
    const ref = /^ref: (refs\/[^\s]+)$/.exec(head)?.[1];
    if (!ref) return cached;
    try {
      return (cached = readFileSync(join(git, ref), 'utf8').trim().slice(0, 40) || null);
    } catch {
      const packed = readFileSync(join(git, 'packed-refs'), 'utf8');
      cached =
        packed
          .split('\n')
          .find((l) => l.endsWith(` ${ref}`))
          ?.slice(0, 40) ?? null;
    }
  } catch {
    // No checkout (an image, an npm install): the version stays unknown.
  }
  return cached;
}
