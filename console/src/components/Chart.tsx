import { useEffect, useRef } from 'react';
import uPlot, { type AlignedData, type Options } from 'uplot';

/** A uPlot chart sized to its container's width; re-created when the data or options change. */
export function Chart({
  options,
  data,
  height = 220,
  label,
}: {
  options: Omit<Options, 'width' | 'height'>;
  data: AlignedData;
  height?: number;
  label: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const plot = new uPlot({ ...options, width: Math.max(el.clientWidth, 240), height }, data, el);
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(el.clientWidth, 240), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [options, data, height]);
  return <div className="chart" ref={box} role="img" aria-label={label} />;
}

const stepped = uPlot.paths.stepped!({ align: 1 });

/**
 * A histogram as a filled step line of density over its bins (edges from the training quantiles,
 * so bins differ in width: density, not count, is what is comparable between them).
 */
export function histogramData(edges: readonly number[], counts: readonly number[]): AlignedData {
  const total = counts.reduce((s, c) => s + c, 0) || 1;
  const density = counts.map((c, i) => c / total / Math.max(edges[i + 1]! - edges[i]!, Number.EPSILON));
  // One point per edge; the last repeats the last bin's value so the step closes at the last edge.
  return [[...edges], [...density, density[density.length - 1] ?? 0]];
}

export function histogramOptions(title: string): Omit<Options, 'width' | 'height'> {
  return {
    title,
    legend: { show: false },
    scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max * 1.1 || 1] } },
    axes: [{}, { size: 60, label: 'density' }],
    series: [
      {},
      {
        label: 'reference',
        fill: 'rgba(56, 120, 200, 0.35)',
        stroke: 'rgb(56, 120, 200)',
        width: 1.5,
        paths: stepped,
        points: { show: false },
      },
    ],
  };
}
