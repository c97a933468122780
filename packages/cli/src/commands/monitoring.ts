import {
  AcknowledgeAlertDocument,
  AlertListDocument,
  DriftDetailsDocument,
  FollowAlertsDocument,
  type AlertKind,
  type AlertListQuery,
  type AlertStatus,
  type DriftDetailsQuery,
} from '@modelplane/client';
import { integerOption, parseEnum, stringList, stringOption, type CommandSpec } from '../args';
import type { CommandContext } from '../context';
import { CliError } from '../errors';
import { formatNumber, formatTime, table, version } from '../format';
import { modelSchema } from './models';

const ALERT_KINDS: readonly AlertKind[] = ['DRIFT', 'LATENCY', 'ACCURACY', 'ERROR_RATE'];
const ALERT_STATUSES: readonly AlertStatus[] = ['FIRING', 'ACKNOWLEDGED', 'RESOLVED'];

type FeatureDrift = DriftDetailsQuery['driftReport']['features'][number];

function driftRow(f: FeatureDrift, name = f.feature): string[] {
  return [
    name,
    f.type,
    f.method,
    formatNumber(f.statistic),
    formatNumber(f.pValue),
    formatNumber(f.threshold),
    String(f.sampleSize),
    f.insufficientData ? 'too little data' : f.drifted ? 'DRIFTED' : 'no',
  ];
}

/** The drift report as a summary line and one table row per feature (and the prediction). */
export function driftTable(report: DriftDetailsQuery['driftReport']): string {
  const verdict = report.insufficientData
    ? `not enough data${report.reason ? `: ${report.reason}` : ''}`
    : report.drifted
      ? `DRIFTED: ${report.driftedCount} of ${report.featureCount} features (share ${formatNumber(report.share)} ≥ ${formatNumber(report.driftShareThreshold)})`
      : `no drift: ${report.driftedCount} of ${report.featureCount} features drifted (share ${formatNumber(report.share)} < ${formatNumber(report.driftShareThreshold)})`;
  const rows = report.features.map((f) => driftRow(f));
  if (report.prediction) rows.push(driftRow(report.prediction, '(prediction)'));
  const lines = [
    `Drift of ${report.model} ${version(report.version)}: ${verdict}`,
    `  window ${report.windowSeconds}s: ${report.sampleSize} predictions; reference ${report.reference} (${report.referenceSize} rows); computed ${formatTime(report.computedAt)}`,
  ];
  if (rows.length) {
    const right = ['STATISTIC', 'P-VALUE', 'THRESHOLD', 'SAMPLE'];
    lines.push('', table(['FEATURE', 'TYPE', 'METHOD', 'STATISTIC', 'P-VALUE', 'THRESHOLD', 'SAMPLE', 'DRIFTED'], rows, right));
  }
  return lines.join('\n');
}

const drift: CommandSpec<CommandContext> = {
  path: ['drift'],
  summary: "Data drift of a model's production version (or --version) per feature",
  usage: '--model NAME [--version N] [--window SECONDS]',
  details:
    'Tests (KS, CHI_SQUARE) call a feature drifted when p < threshold; distances (PSI, WASSERSTEIN_NORMED, JENSEN_SHANNON) when statistic ≥ threshold.',
  options: {
    model: { type: 'string', value: 'NAME', description: 'Model name' },
    version: { type: 'string', value: 'N', description: 'Version (default: production)' },
    window: { type: 'string', value: 'SECONDS', description: 'Window of logged predictions (default: the server’s)' },
  },
  positionals: { min: 0 },
  examples: ['modelplane drift --model churn', 'modelplane drift --model churn --window 3600 --json'],
  async run(context, { values }) {
    const { driftReport } = await context.client().request(DriftDetailsDocument, {
      model: stringOption(values, 'model', true),
      version: integerOption(values, 'version', { min: 1 }),
      windowSeconds: integerOption(values, 'window', { min: 1 }),
    });
    if (context.json) return context.printJson(driftReport);
    context.out(driftTable(driftReport));
  },
};

type Alert = AlertListQuery['alerts'][number];

/** One line per alert event: when, status, severity, kind, model and version, message. */
export function alertLine(a: Alert): string {
  const at = a.status === 'RESOLVED' ? a.resolvedAt : a.status === 'ACKNOWLEDGED' ? a.acknowledgedAt : a.firedAt;
  const subject = a.version === null ? a.model.name : `${a.model.name} ${version(a.version)}`;
  return [formatTime(at ?? a.firedAt), a.status.padEnd(12), a.severity.padEnd(8), a.kind.padEnd(10), subject, a.message].join('  ');
}

const alerts: CommandSpec<CommandContext> = {
  path: ['alerts'],
  summary: 'Recent alerts, or --follow them live as they fire, are acknowledged and resolve',
  usage: '[--model NAME] [--kind KIND]... [--follow [--count N]]',
  details: 'With --follow and --json, every alert is one JSON line (NDJSON) on stdout.',
  options: {
    model: { type: 'string', value: 'NAME', description: 'Only alerts of this model' },
    kind: { type: 'string', multiple: true, value: 'KIND', description: 'Only this kind: DRIFT, LATENCY, ACCURACY, ERROR_RATE' },
    status: { type: 'string', value: 'STATUS', description: 'Listing only: FIRING, ACKNOWLEDGED or RESOLVED' },
    limit: { type: 'string', value: 'N', description: 'Listing only: how many (default 20, at most 500)' },
    follow: { type: 'boolean', short: 'f', description: 'Stream alerts live (the alerts subscription) until Ctrl-C' },
    count: { type: 'string', value: 'N', description: 'With --follow: exit after N alerts' },
  },
  positionals: { min: 0 },
  examples: [
    'modelplane alerts --model churn',
    'modelplane alerts --follow',
    'modelplane alerts --model churn --kind drift --follow --json',
  ],
  async run(context, { values }) {
    const model = stringOption(values, 'model');
    const kinds = stringList(values, 'kind').map((k) => parseEnum(k, ALERT_KINDS, '--kind'));
    const count = integerOption(values, 'count', { min: 1 });
    const client = context.client();
    if (!values.follow) {
      const status = stringOption(values, 'status');
      const { alerts: found } = await client.request(AlertListDocument, {
        model,
        kind: kinds.length === 1 ? kinds[0] : undefined,
        status: status ? parseEnum(status, ALERT_STATUSES, '--status') : undefined,
        first: integerOption(values, 'limit', { min: 1, max: 500 }) ?? 20,
      });
      const shown = kinds.length > 1 ? found.filter((a) => kinds.includes(a.kind)) : found;
      if (context.json) return context.printJson(shown);
      context.out(shown.length ? shown.map(alertLine).join('\n') : `No alerts${model ? ` of ${model}` : ''}.`);
      return;
    }

    // Fail fast and clearly (unknown model, unreachable server, refused key) before the websocket.
    if (model) await modelSchema(context, model);
    else await client.request(AlertListDocument, { first: 1 });
    let announced = false;
    const events = client.subscribe(
      FollowAlertsDocument,
      { model, kinds: kinds.length ? kinds : undefined },
      {
        onConnected: () => {
          context.note(announced ? 'reconnected' : `Following alerts${model ? ` of ${model}` : ''} (Ctrl-C to stop)`);
          announced = true;
        },
      },
    );
    let received = 0;
    for await (const { alerts: alert } of events) {
      if (context.json) context.out(JSON.stringify(alert));
      else context.out(alertLine(alert));
      received++;
      if (count !== undefined && received >= count) return;
    }
    // Alerts never end by themselves: the server completed the subscription (e.g. shutting down without reconnect).
    throw new CliError(
      `the server ended the alerts subscription after ${received} alert${received === 1 ? '' : 's'}`,
      'SUBSCRIPTION_ENDED',
    );
  },
};

const ack: CommandSpec<CommandContext> = {
  path: ['alerts', 'ack'],
  summary: 'Acknowledge a firing alert (it still resolves by itself)',
  usage: 'ID',
  options: {},
  positionals: { min: 1 },
  async run(context, { positionals }) {
    const { acknowledgeAlert } = await context.client().request(AcknowledgeAlertDocument, { id: positionals[0]! });
    if (context.json) return context.printJson(acknowledgeAlert);
    context.out(`Alert ${acknowledgeAlert.id}: ${acknowledgeAlert.status} at ${formatTime(acknowledgeAlert.acknowledgedAt)}`);
  },
};

export const monitoringCommands = [drift, alerts, ack];
