import { spawnSync } from 'node:child_process';
import { listFiles, readRepoFile, readYaml, repoRoot } from './lib/repo';

interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RulesFile {
  groups: { name: string; rules: Rule[] }[];
}
interface RuleTests {
  rule_files: string[];
  tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
}

const RULES = 'ops/prometheus/rules/modelplane.rules.yml';
const rules = readYaml(RULES) as RulesFile;
const allRules = rules.groups.flatMap((g) => g.rules);
const alerts = allRules.filter((r) => r.alert);
const testFiles = listFiles('ops/prometheus/tests', (p) => /\.ya?ml$/.test(p));
const RECORDED = /\b[a-z_]+:[a-z0-9_]+:[a-z0-9_]+\b/g;

/** An expression with every recorded series replaced by the expression that records it. */
function expand(expr: string): string {
  return expr.replace(RECORDED, (name) => {
    const rule = allRules.find((r) => r.record === name);
    return rule ? `(${expand(rule.expr)})` : name;
  });
}

/**
 * Metrics the rules may use: those the code registers (found in the sources), plus the monitoring
 * gauges announced for the monitoring subgraph and not exported yet.
 */
const ANNOUNCED_METRICS = ['modelplane_drift_share', 'modelplane_model_accuracy', 'modelplane_alerts_firing'];

function exportedMetrics(): Set<string> {
  const names = new Set<string>();
  for (const dir of ['packages', 'subgraphs', 'gateway']) {
    for (const file of listFiles(
      dir,
      (p) => p.endsWith('.ts') && !p.endsWith('.test.ts') && !p.includes('/node_modules/') && !p.includes('/dist/'),
    )) {
      for (const m of readRepoFile(file).matchAll(/name:\s*'(modelplane_[a-z0-9_]+)'/g)) names.add(m[1]!);
    }
  }
  return names;
}

/** Runs promtool when it is installed (Debian package `prometheus`); undefined when it is not. */
function promtool(...args: string[]): { status: number | null; output: string } | undefined {
  const result = spawnSync('promtool', args, { cwd: repoRoot, encoding: 'utf8', timeout: 30000 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}
const amtool = (...args: string[]) => {
  const result = spawnSync('amtool', args, { cwd: repoRoot, encoding: 'utf8', timeout: 30000 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
};

describe('Prometheus configuration and rules', () => {
  it('gives every alert an expression, a duration, a severity and a summary', () => {
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) {
      expect([alert.alert, typeof alert.expr, alert.for]).toEqual([alert.alert, 'string', expect.stringMatching(/^\d+[smh]$/)]);
      expect([alert.alert, alert.labels?.severity]).toEqual([alert.alert, expect.stringMatching(/^(critical|warning|info)$/)]);
      expect([alert.alert, typeof alert.annotations?.summary, typeof alert.annotations?.description]).toEqual([
        alert.alert,
        'string',
        'string',
      ]);
      expect(alert.alert).toMatch(/^Modelplane[A-Z]\w+$/);
    }
    expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
  });

  it('alerts on latency, errors, log drops, drift, accuracy and services down', () => {
    const byMetric = (re: RegExp) => alerts.filter((a) => re.test(expand(a.expr)));
    expect(byMetric(/modelplane_prediction_duration_seconds_bucket/).length).toBeGreaterThan(0);
    expect(byMetric(/modelplane_graphql_errors_total/).length).toBeGreaterThan(0);
    expect(byMetric(/modelplane_prediction_log_dropped_total/).length).toBeGreaterThan(0);
    expect(alerts.find((a) => /modelplane_drift_share\)? > 0\.5\b/.test(a.expr))).toBeDefined();
    expect(byMetric(/modelplane_model_accuracy/).length).toBeGreaterThan(0);
    expect(alerts.find((a) => /\bup\{[^}]*\}\s*==\s*0/.test(a.expr))).toBeDefined();
  });

  it('names recording rules level:metric:operation and defines them before use', () => {
    const defined = new Set<string>();
    for (const group of rules.groups) {
      for (const rule of group.rules) {
        for (const used of rule.expr.match(RECORDED) ?? [])
          expect([rule.record ?? rule.alert, used, defined.has(used)]).toEqual([rule.record ?? rule.alert, used, true]);
        if (rule.record) {
          expect(rule.record).toMatch(/^[a-z_]+:[a-z0-9_]+:[a-z0-9_]+$/);
          defined.add(rule.record);
        }
      }
    }
  });

  it('uses only metrics the services export, or the announced monitoring gauges', () => {
    const exported = exportedMetrics();
    // The extraction must find the metrics we know exist, or this test proves nothing.
    for (const metric of [
      'modelplane_graphql_operation_duration_seconds',
      'modelplane_predictions_total',
      'modelplane_prediction_log_buffered',
    ])
      expect(exported).toContain(metric);
    const used = new Set(
      allRules.flatMap((r) =>
        (r.expr.replace(RECORDED, '').match(/\bmodelplane_[a-z0-9_]+\b/g) ?? []).map((m) => m.replace(/_(bucket|count|sum)$/, '')),
      ),
    );
    for (const metric of used) {
      if (exported.has(metric)) continue;
      expect([metric, ANNOUNCED_METRICS.includes(metric)]).toEqual([metric, true]);
      console.info(`deploy: rules use ${metric}, announced for the monitoring subgraph but not exported yet`);
    }
  });

  it('has a promtool unit test for every alert', () => {
    expect(testFiles.length).toBeGreaterThan(0);
    const tested = new Set<string>();
    for (const file of testFiles) {
      const suite = readYaml(file) as RuleTests;
      expect(suite.rule_files).toContain('../rules/modelplane.rules.yml');
      for (const t of suite.tests) for (const a of t.alert_rule_test ?? []) if (a.exp_alerts.length) tested.add(a.alertname);
    }
    expect(alerts.map((a) => a.alert).filter((a) => !tested.has(a!))).toEqual([]);
  });

  it('loads the rules from prometheus.yml and sends alerts to Alertmanager', () => {
    const config = readYaml('ops/prometheus/prometheus.yml') as { rule_files: string[]; alerting: unknown };
    expect(config.rule_files).toEqual(['rules/*.yml']);
    expect(listFiles('ops/prometheus/rules')).toEqual([RULES]);
    expect(config.alerting).toBeDefined();
  });

  it('passes promtool check config, check rules and test rules (when promtool is installed)', () => {
    const version = promtool('--version');
    if (!version) {
      console.warn('deploy: promtool not found (Debian package "prometheus"): skipping promtool check config/rules and test rules');
      return;
    }
    for (const args of [
      ['check', 'config', 'ops/prometheus/prometheus.yml'],
      ['check', 'rules', RULES],
      ['test', 'rules', ...testFiles],
    ]) {
      const result = promtool(...args)!;
      expect([args.join(' '), result.status, result.status === 0 ? '' : result.output]).toEqual([args.join(' '), 0, '']);
    }
  });

  it('has an Alertmanager configuration whose routes use defined receivers', () => {
    const config = readYaml('ops/alertmanager/alertmanager.yml') as {
      route: { receiver: string; routes?: { receiver?: string }[] };
      receivers: { name: string }[];
    };
    const receivers = config.receivers.map((r) => r.name);
    expect(receivers).toContain(config.route.receiver);
    for (const route of config.route.routes ?? []) if (route.receiver) expect(receivers).toContain(route.receiver);
    const result = amtool('check-config', 'ops/alertmanager/alertmanager.yml');
    if (!result) console.warn('deploy: amtool not found (Debian package "prometheus-alertmanager"): skipping amtool check-config');
    else expect([result.status, result.status === 0 ? '' : result.output]).toEqual([0, '']);
  });
});
