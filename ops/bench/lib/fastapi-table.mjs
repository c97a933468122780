// The tables of ops/bench/fastapi.mjs, from its results/fastapi.json (also rendered by index.mjs).
/** The tables (also used by ops/bench/index.mjs for latest.md). */
export function renderFastapi(s) {
  const f = (x, d = 0) =>
    x === null || x === undefined ? '–' : Number(x).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
  const ms = (x) => f(x, x < 1 ? 3 : x < 10 ? 2 : 1);
  const label = {
    gateway: 'Modelplane through the gateway',
    direct: 'prediction subgraph direct (no gateway)',
    fastapi: 'FastAPI + scikit-learn (uvicorn)',
  };
  const out = [];
  out.push(
    `Platform settings that differ from the defaults: ${s.settingsDifferingFromDefaults.length ? s.settingsDifferingFromDefaults.map((d) => `${d.name}=${d.value} (default ${d.default})`).join(', ') : 'none'}.`,
  );
  out.push('');
  out.push(
    `| single-row predict, ${s.features} features (${s.connections} connections, ${s.seconds} s after ${s.warmupSeconds} s warm-up, median of ${s.rounds} rounds) | req/s | p50 / p99 (ms) | errors | p50 at 1 connection (ms) |`,
  );
  out.push('| --- | --- | --- | --- | --- |');
  for (const [name, r] of Object.entries(s.results))
    out.push(`| ${label[name]} | ${f(r.rps)} | ${ms(r.p50)} / ${ms(r.p99)} | ${r.errors} | ${ms(r.oneConnection.p50)} |`);
  out.push('');
  out.push(
    `Gateway/FastAPI ${f(s.ratios.gatewayVsFastapi, 2)}× (target ≥ 1.5×), gateway/direct ${f(s.ratios.gatewayVsDirect, 2)} (target ≥ 0.85), direct/FastAPI ${f(s.ratios.directVsFastapi, 2)}×. ` +
      `Errors: ${s.errors}. Load average (1 min) ${f(s.loadAverage.before[0], 1)} before, ${f(s.loadAverage.after[0], 1)} after, on ${s.cpus} cores.`,
  );
  out.push('');
  const cols = [
    ['gateway', 'gateway process'],
    ['prediction', 'prediction'],
    ['monitoring', 'monitoring'],
    ['registry', 'registry'],
    ['experiments', 'experiments'],
    ['postgres', 'PostgreSQL'],
    ['uvicorn', 'uvicorn'],
    ['loadGenerator', 'load generator'],
    ['serving', 'serving processes'],
    ['machine', 'whole machine'],
  ];
  out.push(`| CPU per request (µs), median round | ${cols.map(([, l]) => l).join(' | ')} | CPU-bound req/s on ${s.cpus} cores |`);
  out.push(`| --- | ${cols.map(() => '---').join(' | ')} | --- |`);
  for (const [name, r] of Object.entries(s.results))
    out.push(`| ${label[name]} | ${cols.map(([k]) => f(r.cpuUsPerRequest[k])).join(' | ')} | ${f(r.cpuBoundRps)} |`);
  out.push('');
  const platformIdle = ['gateway', 'prediction', 'monitoring', 'registry', 'experiments', 'postgres'].reduce(
    (t, k) => t + (s.idleCpuMsPerSecond?.[k] ?? 0),
    0,
  );
  out.push(
    'Serving processes: the gateway process, the four subgraphs and PostgreSQL for Modelplane (all but the gateway process for direct), uvicorn for FastAPI. ' +
      'CPU-bound req/s: what the serving processes could answer if nothing else used the cores (the load generator and other work on the machine do): ' +
      'cores ÷ their CPU per request, and at most 1 s ÷ the CPU per request of any one of them but PostgreSQL (a Node event loop, or Python under the GIL, uses one core). ' +
      `Gateway/FastAPI from it: ${f(s.ratios.gatewayVsFastapiCpuBound, 2)}× (less sensitive to other work on the machine than the measured ratio).` +
      (s.idleCpuMsPerSecond
        ? ` At idle the platform's background work (monitoring polls, log flushes, heartbeats) used ${f(platformIdle)} ms of CPU per second.`
        : ''),
  );
  out.push('');
  return `${out.join('\n')}\n`;
}
