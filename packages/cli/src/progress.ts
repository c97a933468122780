// A one-line progress bar on stderr, redrawn in place with \r: `label [=====>    ] 52% 520/1000 rows 1.3s`.

export interface ProgressStream {
  write(chunk: string): unknown;
  columns?: number;
}

export interface ProgressOptions {
  stream: ProgressStream;
  label: string;
  /** The amount that is 100% (rows; 1 for a fraction). */
  total: number;
  /** Shown after done/total (e.g. "rows"); without it only the percentage is shown. */
  unit?: string;
  /** false: every call does nothing (stderr is not a terminal and --progress was not given). */
  enabled: boolean;
  /** Redraw at most this often (the last update always draws). Default 100 ms. */
  intervalMs?: number;
  now?: () => number;
}

export interface ProgressBar {
  /** Sets how much is done (0..total) and an optional note (e.g. a run's status). */
  update(done: number, note?: string): void;
  /** Draws the final state and ends the line. */
  finish(note?: string): void;
}

const BAR_WIDTH = 24;

/** The text of one frame, without the leading \r (exported for tests). */
export function renderProgress(label: string, done: number, total: number, elapsedMs: number, unit?: string, note?: string): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.floor(fraction * BAR_WIDTH);
  const bar = '='.repeat(filled) + (filled < BAR_WIDTH ? '>' + ' '.repeat(BAR_WIDTH - filled - 1) : '');
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  const count = unit ? ` ${done}/${total} ${unit}` : '';
  return `${label} [${bar}] ${percent}${count} ${(elapsedMs / 1000).toFixed(1)}s${note ? ` ${note}` : ''}`;
}

export function createProgressBar(options: ProgressOptions): ProgressBar {
  const { stream, label, total, unit, enabled, intervalMs = 100, now = Date.now } = options;
  const started = now();
  let lastDraw = -Infinity;
  let lastWidth = 0;
  let lastText = '';
  let finished = false;
  let state = { done: 0, note: undefined as string | undefined };

  const draw = () => {
    let text = renderProgress(label, state.done, total, now() - started, unit, state.note);
    if (stream.columns && text.length >= stream.columns) text = text.slice(0, stream.columns - 1);
    if (text === lastText) return;
    lastText = text;
    // Spaces over the rest of a longer previous frame (no terminal escape codes needed).
    stream.write(`\r${text}${' '.repeat(Math.max(0, lastWidth - text.length))}`);
    lastWidth = text.length;
    lastDraw = now();
  };

  return {
    update(done, note) {
      if (!enabled || finished) return;
      state = { done, note: note ?? state.note };
      if (done >= total || now() - lastDraw >= intervalMs) draw();
    },
    finish(note) {
      if (!enabled || finished) return;
      state = { done: state.done, note: note ?? state.note };
      draw();
      stream.write('\n');
      finished = true;
    },
  };
}
