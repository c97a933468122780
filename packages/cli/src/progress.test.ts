import { createProgressBar, renderProgress } from './progress';

function recorder(columns?: number) {
  const chunks: string[] = [];
  return { chunks, stream: { write: (c: string) => chunks.push(c), columns } };
}

describe('progress bar', () => {
  it('renders the bar, percentage, count, elapsed time and a note', () => {
    expect(renderProgress('predict', 0, 10, 0, 'rows')).toBe('predict [>                       ]   0% 0/10 rows 0.0s');
    expect(renderProgress('predict', 5, 10, 1234, 'rows')).toBe('predict [============>           ]  50% 5/10 rows 1.2s');
    expect(renderProgress('run', 1, 1, 2500, undefined, 'SUCCEEDED')).toBe('run [========================] 100% 2.5s SUCCEEDED');
    // Out-of-range values are clamped, an empty total is 0%.
    expect(renderProgress('x', 20, 10, 0)).toContain('100%');
    expect(renderProgress('x', 0, 0, 0)).toContain('  0%');
  });

  it('redraws in place at most once per interval, always at the end, and ends the line on finish', () => {
    let now = 0;
    const { chunks, stream } = recorder();
    const bar = createProgressBar({ stream, label: 'p', total: 100, unit: 'rows', enabled: true, intervalMs: 100, now: () => now });
    bar.update(0);
    now = 50;
    bar.update(10); // within the interval: skipped
    now = 150;
    bar.update(20);
    now = 160;
    bar.update(100); // the end always draws
    bar.finish();
    bar.update(50); // after finish: nothing
    expect(chunks.map((c) => c.replace(/\s+$/, ''))).toEqual([
      '\rp [>                       ]   0% 0/100 rows 0.0s',
      '\rp [====>                   ]  20% 20/100 rows 0.1s',
      '\rp [========================] 100% 100/100 rows 0.2s',
      '', // the final newline
    ]);
  });

  it('pads over a longer previous frame', () => {
    const { chunks, stream } = recorder(80);
    const bar = createProgressBar({ stream, label: 'run', total: 1, enabled: true, intervalMs: 0 });
    bar.update(0.5, 'RUNNING');
    bar.update(1, 'OK');
    expect(chunks[1]).toMatch(/ OK {5}$/);
    expect(chunks[1]!.length).toBe(chunks[0]!.length);
  });

  it('fits a narrow terminal', () => {
    const { chunks, stream } = recorder(30);
    createProgressBar({ stream, label: 'predict', total: 10, unit: 'rows', enabled: true }).update(3);
    expect(chunks[0]).toBe(`\r${renderProgress('predict', 3, 10, 0, 'rows').slice(0, 29)}`);
    expect(chunks[0]).toHaveLength(30);
  });

  it('does nothing when disabled (stderr is not a terminal and --progress was not given)', () => {
    const { chunks, stream } = recorder();
    const bar = createProgressBar({ stream, label: 'p', total: 10, enabled: false });
    bar.update(5);
    bar.finish();
    expect(chunks).toEqual([]);
  });
});
