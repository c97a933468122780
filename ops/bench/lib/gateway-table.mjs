// The tables of ops/bench/gateway.mjs, from its results/gateway.json (also rendered by index.mjs).
const LABELS = {
  ours: 'ours',
  plain: 'plain @apollo/gateway',
  hive: 'Hive Gateway',
  hiveRust: 'Hive Gateway, Rust query planner',
  direct: 'prediction subgraph direct (no gateway)',
};
const OPERATIONS = {
  distinct: 'cross-subgraph, distinct requests',
  same: 'cross-subgraph, same document (coalesced)',
  predict: 'predict (one subgraph), distinct rows',
};
const WHAT = {
  distinct:
    'each request asks for another of the 32 models, so no two in flight are alike: what each gateway costs per request for ordinary traffic (the headline)',
  same: 'every request is the same document: identical requests in flight share one execution (ours) or one subgraph fetch (ours, Hive); it measures that sharing, not the cost per request',
  predict:
    'a single-subgraph operation (ours forwards it on its fast path), each request another of 64 feature rows: Hive Gateway shares one execution among identical queries in flight, predict included, so identical rows would measure that sharing (and log one prediction for several callers)',
};

export function renderGateway(s) {
  const f = (x, d = 0) =>
    x === null || x === undefined || Number.isNaN(Number(x))
      ? '–'
      : Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const ms = (x) => f(x, x < 10 ? 2 : 1);
  const out = [];
  const differing = s.settingsDifferingFromDefaults ?? [];
  out.push(
    `Platform settings that differ from the defaults: ${differing.length ? differing.map((d) => `${d.name}=${d.value} (default ${d.default})`).join(', ') : 'none'}.`,
  );
  out.push('');
  out.push(
    `| operation (${s.connections} connections, ${s.seconds} s, median of ${s.rounds} rounds) | gateway | req/s | p50 / p99 (ms) | errors | CPU µs per request: gateway process | subgraphs (4 processes) | PostgreSQL | gateway share | load generator | whole machine | CPU-bound req/s on ${s.cpus} cores |`,
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const [op, byGateway] of Object.entries(s.results))
    for (const [name, r] of Object.entries(byGateway)) {
      const c = r.cpuUsPerRequest ?? {};
      out.push(
        `| ${OPERATIONS[op] ?? op} | ${LABELS[name] ?? name} | ${f(r.rps)} | ${ms(r.p50)} / ${ms(r.p99)} | ${r.errors} | ${f(c.gateway)} | ${f(c.subgraphs)} | ${f(c.postgres)} | ${r.gatewayShare === undefined ? '–' : `${f(r.gatewayShare * 100)} %`} | ${f(c.loadGenerator)} | ${f(c.machine)} | ${f(r.cpuBoundRps)} |`,
      );
    }
  out.push('');
  const ratio = (op, k) => `${f(s.ratios[op]?.[k], 2)}×${s.ratios[op]?.cpuBound ? ` (CPU-bound ${f(s.ratios[op].cpuBound[k], 2)}×)` : ''}`;
  out.push(
    Object.keys(s.ratios)
      .map(
        (op) =>
          `${OPERATIONS[op] ?? op}: ours/plain ${ratio(op, 'oursVsPlain')}, ours/Hive ${ratio(op, 'oursVsHive')}, ours/Hive (Rust planner) ${ratio(op, 'oursVsHiveRust')}`,
      )
      .join('; ') +
      `. Targets on distinct requests: ≥ 1.5× plain, ≥ 1× Hive with the Rust planner. Errors: ${s.errors}. ` +
      `Load average (1 min) ${f(s.loadAverage?.before, 1)} before, ${f(s.loadAverage?.after, 1)} after, on ${s.cpus} cores.`,
  );
  out.push('');
  for (const op of Object.keys(s.results)) if (WHAT[op]) out.push(`- ${OPERATIONS[op]}: ${WHAT[op]}.`);
  out.push(
    '- CPU columns: CPU time of each process over the run ÷ requests answered. Gateway share = gateway process ÷ (gateway + subgraphs + PostgreSQL): the peers run on the same subgraphs and cores, so no gateway can be faster than the subgraphs alone allow. CPU-bound req/s = what the gateway, subgraphs and PostgreSQL could serve if nothing else used the cores: cores ÷ their CPU per request, and at most 1 s ÷ the gateway process CPU per request (one event loop uses one core); the ratio from it is less sensitive to other work on the machine.' +
      (s.idleCpuMsPerSecond
        ? ` At idle the subgraphs and PostgreSQL used ${f(s.idleCpuMsPerSecond.subgraphs + s.idleCpuMsPerSecond.postgres)} ms of CPU per second (background work, counted in every run).`
        : ''),
  );
  out.push('');
  return `${out.join('\n')}\n`;
}
