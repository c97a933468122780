import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isRecord, readRepoFile, readYaml, repoPath } from './lib/repo';

interface Target {
  refId: string;
  expr?: string;
  datasource?: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: Target[];
}
interface Variable {
  name: string;
  type: string;
  query?: unknown;
  current?: { value: unknown };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const DASHBOARD = 'ops/grafana/dashboards/modelplane.json';
const dashboard = JSON.parse(readRepoFile(DASHBOARD)) as Dashboard;
const variables = new Set(dashboard.templating.list.map((v) => v.name));
const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
// Where docker-compose.yml mounts ops/grafana inside the Grafana container.
const PROVISIONING = '/etc/grafana/provisioning';

describe('Grafana provisioning', () => {
  it('provisions the compose Prometheus as the default data source', () => {
    const config = readYaml('ops/grafana/datasources/prometheus.yml') as {
      apiVersion: number;
      datasources: { name: string; uid: string; type: string; url: string; isDefault?: boolean }[];
    };
    expect(config.apiVersion).toBe(1);
    const prometheus = config.datasources.find((d) => d.type === 'prometheus');
    expect(prometheus).toMatchObject({ url: 'http://prometheus:9090', isDefault: true });
    // The dashboard's data source variable defaults to this uid.
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')?.current?.value).toBe(prometheus!.uid);
    expect(readRepoFile('docker-compose.yml')).toMatch(/^ {2}prometheus:\n/m);
  });

  it('loads dashboards from the directory that holds modelplane.json', () => {
    const config = readYaml('ops/grafana/dashboards/dashboards.yml') as {
      apiVersion: number;
      providers: { type: string; options: { path: string } }[];
    };
    expect(config.apiVersion).toBe(1);
    for (const provider of config.providers) {
      expect(provider.type).toBe('file');
      expect(provider.options.path.startsWith(`${PROVISIONING}/`)).toBe(true);
      const local = join('ops/grafana', relative(PROVISIONING, provider.options.path));
      expect(existsSync(repoPath(local, 'modelplane.json'))).toBe(true);
    }
  });

  it('has a dashboard with uid, title, schema version and uniquely numbered panels', () => {
    expect(dashboard.uid).toMatch(/^[\w-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.panels.length).toBeGreaterThan(0);
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
  });

  it('gives every panel a Prometheus data source and targets with an expression', () => {
    for (const panel of dashboard.panels) {
      expect([panel.title, panel.datasource?.type]).toEqual([panel.title, 'prometheus']);
      expect([panel.title, (panel.targets ?? []).length > 0]).toEqual([panel.title, true]);
      for (const target of panel.targets!) {
        expect([panel.title, target.refId, typeof target.expr, (target.expr ?? '').trim().length > 0]).toEqual([
          panel.title,
          target.refId,
          'string',
          true,
        ]);
      }
    }
  });

  it('uses only template variables it defines, including a model filter', () => {
    expect(variables).toContain('model');
    for (const expr of exprs) {
      for (const [, name] of expr.matchAll(/\$\{?(\w+)/g)) {
        if (name!.startsWith('__')) continue; // Grafana built-ins such as $__rate_interval
        expect([expr, name, variables.has(name!)]).toEqual([expr, name, true]);
      }
    }
    // Data source references anywhere (panels, targets, variables) may name a variable too.
    const uids: string[] = [];
    const walk = (value: unknown): void => {
      if (Array.isArray(value)) value.forEach(walk);
      else if (isRecord(value)) {
        if (isRecord(value.datasource) && typeof value.datasource.uid === 'string') uids.push(value.datasource.uid);
        Object.values(value).forEach(walk);
      }
    };
    walk(dashboard);
    expect(uids.length).toBeGreaterThan(dashboard.panels.length);
    for (const uid of uids.filter((u) => u.startsWith('$')))
      expect([uid, variables.has(uid.replace(/^\$\{?|\}$/g, ''))]).toEqual([uid, true]);
  });

  it('lays panels out on the 24-column grid without overlaps', () => {
    const cells = new Set<string>();
    for (const { title, gridPos } of dashboard.panels) {
      expect([title, gridPos.x >= 0, gridPos.w > 0, gridPos.x + gridPos.w <= 24, gridPos.h > 0]).toEqual([title, true, true, true, true]);
      for (let x = gridPos.x; x < gridPos.x + gridPos.w; x++) {
        for (let y = gridPos.y; y < gridPos.y + gridPos.h; y++) {
          expect([title, cells.has(`${x},${y}`)]).toEqual([title, false]);
          cells.add(`${x},${y}`);
        }
      }
    }
  });

  it('charts request rate and latency quantiles, predictions, errors, the prediction log, drift, accuracy and alerts', () => {
    const has = (re: RegExp) => exprs.some((e) => re.test(e));
    expect(has(/rate\(modelplane_graphql_operation_duration_seconds_count/)).toBe(true);
    for (const q of ['0.50', '0.95', '0.99']) {
      expect([
        q,
        has(
          new RegExp(
            `histogram_quantile\\(${q.replace('.', '\\.')}, sum by \\(service, le\\) \\(rate\\(modelplane_graphql_operation_duration_seconds_bucket`,
          ),
        ),
      ]).toEqual([q, true]);
    }
    expect(has(/sum by \(model, version, route\) \(rate\(modelplane_predictions_total/)).toBe(true);
    expect(
      has(/histogram_quantile\(0\.95, sum by \(model, version, route, le\) \(rate\(modelplane_prediction_duration_seconds_bucket/),
    ).toBe(true);
    expect(has(/by \([^)]*code[^)]*\) \(rate\(modelplane_graphql_errors_total/)).toBe(true);
    for (const metric of [
      'modelplane_prediction_log_buffered',
      'modelplane_prediction_log_dropped_total',
      'modelplane_drift_share',
      'modelplane_model_accuracy',
      'modelplane_alerts_firing',
    ]) {
      expect([metric, has(new RegExp(`\\b${metric}\\b`))]).toEqual([metric, true]);
    }
    // Per-model panels follow the model filter.
    for (const expr of exprs.filter((e) =>
      /modelplane_(predictions_total|prediction_duration|drift_share|model_accuracy|alerts_firing)/.test(e),
    )) {
      expect(expr).toMatch(/model=~"\$model"/);
    }
    expect(isRecord(dashboard)).toBe(true);
  });
});
