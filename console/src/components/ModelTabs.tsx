import { Link } from 'wouter';

const TABS = [
  ['', 'Versions'],
  ['/monitoring', 'Monitoring'],
  ['/playground', 'Playground'],
] as const;

/** Versions · Monitoring · Playground of one model, the current one in bold. */
export function ModelTabs({ name, current }: { name: string; current: (typeof TABS)[number][1] }) {
  const base = `/models/${encodeURIComponent(name)}`;
  return (
    <>
      {TABS.map(([path, label], i) => (
        <span key={label}>
          {i > 0 && ' · '}
          {label === current ? <b>{label}</b> : <Link href={`${base}${path}`}>{label}</Link>}
        </span>
      ))}
    </>
  );
}
