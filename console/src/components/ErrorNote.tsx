import type { CombinedError } from 'urql';
import { describeError } from '../lib/errors';

export function ErrorNote({ error }: { error: CombinedError }) {
  return (
    <p className="error" role="alert">
      {describeError(error)}
    </p>
  );
}
