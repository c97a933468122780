import {
  CompareRunsDocument,
  FollowRunDocument,
  RunDetailsDocument,
  RunListDocument,
  StartRetrainingDocument,
  type RunDetailsQuery,
  type RunStatus,
} from '@modelplane/client';
import { integerOption, stringOption, type CommandSpec } from '../args';
import type { CommandContext } from '../context';
import { CliError, UsageError } from '../errors';
import { formatDuration, formatNumber, formatTime, table, version } from '../format';
import { createProgressBar } from '../progress';

const TERMINAL: readonly RunStatus[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

// The metrics a run list shows first; the others follow by name.
const HEADLINE_METRICS = ['roc_auc', 'accuracy', 'f1', 'rmse', 'mae', 'log_loss'];

function metricsSummary(metrics: ReadonlyArray<{ key: string; value: number }>, max = 3): string {
  const rank = (key: string) => (HEADLINE_METRICS.includes(key) ? HEADLINE_METRICS.indexOf(key) : HEADLINE_METRICS.length);
  const sorted = [...metrics].sort((a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key));
  const shown = sorted.slice(0, max).map((m) => `${m.key}=${formatNumber(m.value)}`);
  return shown.join(' ') + (metrics.length > max ? ` (+${metrics.length - max})` : '');
}

const list: CommandSpec<CommandContext> = {
  path: ['runs', 'list'],
  summary: 'Training runs of a model, newest first',
  usage: '--model NAME [--limit N]',
  options: {
    model: { type: 'string', value: 'NAME', description: 'Model name' },
    limit: { type: 'string', value: 'N', description: 'How many runs (default 20, at most 500)' },
  },
  positionals: { min: 0 },
  examples: ['modelplane runs list --model churn'],
  async run(context, { values }) {
    const model = stringOption(values, 'model', true);
    const first = integerOption(values, 'limit', { min: 1, max: 500 }) ?? 20;
    const { runs } = await context.client().request(RunListDocument, { model, first });
    if (context.json) return context.printJson(runs);
    if (!runs.length) return context.out(`No runs of ${model} yet (start one with: modelplane retrain --model ${model} --follow)`);
    context.out(
      table(
        ['ID', 'STATUS', 'TRIGGER', 'CREATED', 'DURATION', 'VERSION', 'METRICS'],
        runs.map((r) => [
          r.id,
          r.status === 'RUNNING' ? `RUNNING ${Math.floor(r.progress * 100)}%` : r.status,
          r.trigger,
          formatTime(r.createdAt),
          formatDuration(r.durationSeconds),
          version(r.producedVersion),
          metricsSummary(r.metrics),
        ]),
      ),
    );
  },
};

function runDetails(run: NonNullable<RunDetailsQuery['run']>): string {
  const lines = [
    `Run ${run.id} of ${run.modelName}: ${run.status}${run.status === 'RUNNING' ? ` ${Math.floor(run.progress * 100)}%` : ''}`,
    `  trigger: ${run.trigger}${run.reason ? ` (${run.reason})` : ''}`,
    `  created: ${formatTime(run.createdAt)}  started: ${formatTime(run.startedAt)}  finished: ${formatTime(run.finishedAt)}  duration: ${formatDuration(run.durationSeconds)}`,
  ];
  if (run.error) lines.push(`  error: ${run.error}`);
  if (run.dataset)
    lines.push(`  dataset: ${run.dataset.name} v${run.dataset.version} (${run.dataset.rows} rows, ${run.dataset.digest.slice(0, 12)})`);
  if (run.producedVersion) lines.push(`  produced: ${version(run.producedVersion)} (${run.producedVersion.status})`);
  if (run.promotion) lines.push(`  promotion: ${run.promotion.promoted ? 'promoted' : 'not promoted'}: ${run.promotion.reason}`);
  if (run.params.length) lines.push('', 'Params', ...run.params.map((p) => `  ${p.key} = ${p.value}`));
  if (run.metrics.length) {
    lines.push(
      '',
      'Metrics',
      ...table(
        ['KEY', 'VALUE', 'STEP'],
        run.metrics.map((m) => [m.key, formatNumber(m.value, 6), String(m.step)]),
        ['VALUE', 'STEP'],
      )
        .split('\n')
        .map((l) => `  ${l}`),
    );
  }
  return lines.join('\n');
}

const show: CommandSpec<CommandContext> = {
  path: ['runs', 'show'],
  summary: 'One run: params, metrics, dataset, produced version, promotion decision',
  usage: 'ID',
  options: {},
  positionals: { min: 1 },
  async run(context, { positionals }) {
    const { run } = await context.client().request(RunDetailsDocument, { id: positionals[0]! });
    if (!run) throw new CliError(`run ${positionals[0]} not found`, 'NOT_FOUND');
    if (context.json) return context.printJson(run);
    context.out(runDetails(run));
  },
};

const compare: CommandSpec<CommandContext> = {
  path: ['runs', 'compare'],
  summary: 'Runs side by side: latest metrics (* best) and the params that differ',
  usage: 'ID ID... [--all-params]',
  options: { 'all-params': { type: 'boolean', description: 'Show every param, not only those that differ' } },
  positionals: { min: 2, max: 50 },
  examples: ['modelplane runs compare 5f1c… 9a2e…'],
  async run(context, { values, positionals }) {
    const { compareRuns } = await context.client().request(CompareRunsDocument, { ids: positionals });
    if (context.json) return context.printJson(compareRuns);
    const runs = compareRuns.runs;
    const headers = ['', ...runs.map((r) => r.id)];
    const rows: string[][] = [
      ['model', ...runs.map((r) => r.modelName)],
      ['status', ...runs.map((r) => r.status)],
      ['trigger', ...runs.map((r) => r.trigger)],
      ['created', ...runs.map((r) => formatTime(r.createdAt))],
    ];
    for (const m of compareRuns.metrics) {
      rows.push([m.key, ...m.values.map((v, i) => `${formatNumber(v, 6)}${runs[i]?.id === m.bestRunId ? ' *' : ''}`)]);
    }
    const params = compareRuns.params.filter((p) => values['all-params'] || p.differs);
    for (const p of params) rows.push([`param ${p.key}`, ...p.values.map((v) => v ?? '-')]);
    context.out(table(headers, rows));
    if (!values['all-params'] && compareRuns.params.length > params.length) {
      context.out(`(${compareRuns.params.length - params.length} params are the same in every run: --all-params shows them)`);
    }
  },
};

const retrain: CommandSpec<CommandContext> = {
  path: ['retrain'],
  summary: 'Queue a training run of a model; --follow shows its progress until it ends',
  usage: '--model NAME [--reason TEXT] [--params JSON] [--follow]',
  details: [
    "The run trains on the model's default dataset with its experiment's trainer, evaluates, registers a",
    'version and applies the promotion gate. --params takes training parameters as JSON, e.g.',
    '\'{"trainer": "gradient-boosting", "rounds": 50}\'. With --follow the exit code is 1 when the run fails.',
  ].join('\n'),
  options: {
    model: { type: 'string', value: 'NAME', description: 'Model name' },
    reason: { type: 'string', value: 'TEXT', description: 'Why (recorded on the run)' },
    params: { type: 'string', value: 'JSON', description: 'Training parameters as a JSON object' },
    follow: { type: 'boolean', short: 'f', description: 'Follow the run (progress from the runUpdated subscription) until it ends' },
  },
  positionals: { min: 0 },
  examples: [
    'modelplane retrain --model churn --follow',
    'modelplane retrain --model churn --params \'{"rounds": 80}\' --reason "new data"',
  ],
  async run(context, { values }) {
    const model = stringOption(values, 'model', true);
    const paramsText = stringOption(values, 'params');
    let params: Record<string, unknown> | undefined;
    if (paramsText) {
      try {
        params = JSON.parse(paramsText) as Record<string, unknown>;
      } catch (err) {
        throw new UsageError(`--params is not JSON: ${(err as Error).message}`);
      }
      if (!params || typeof params !== 'object' || Array.isArray(params)) throw new UsageError('--params must be a JSON object');
    }
    const client = context.client();
    const { triggerRetraining: run } = await client.request(StartRetrainingDocument, {
      model,
      reason: stringOption(values, 'reason'),
      params,
    });
    if (!values.follow) {
      if (context.json) return context.printJson(run);
      context.out(`Queued run ${run.id} of ${model} (${run.status}); see it with: modelplane runs show ${run.id}`);
      return;
    }
    context.note(`Run ${run.id} of ${model} queued; following it (Ctrl-C stops following, not the run)`);
    const finished = await followRun(context, run.id);
    if (context.json) context.printJson(finished);
    else context.out(runDetails(finished));
    if (finished.status !== 'SUCCEEDED')
      throw new CliError(
        `run ${finished.id} ${finished.status.toLowerCase()}${finished.error ? `: ${finished.error}` : ''}`,
        `RUN_${finished.status}`,
      );
  },
};

/** Progress from runUpdated until the run ends; then the whole run. */
async function followRun(context: CommandContext, id: string): Promise<NonNullable<RunDetailsQuery['run']>> {
  const client = context.client();
  const progress = createProgressBar({
    stream: context.io.stderr,
    label: `run ${id.slice(0, 8)}`,
    total: 1,
    enabled: context.showProgress,
  });
  let done = false;
  const events = client.subscribe(
    FollowRunDocument,
    { id },
    {
      // The run may have moved (or ended) before the subscription started: catch up once connected.
      onConnected: () => {
        client
          .request(RunDetailsDocument, { id })
          .then(({ run }) => {
            if (!run) return;
            progress.update(run.progress, run.status);
            if (TERMINAL.includes(run.status)) {
              done = true;
              void events.return?.();
            }
          })
          .catch(() => undefined);
      },
    },
  );
  let lastStatus: RunStatus | undefined;
  for await (const { runUpdated } of events) {
    progress.update(runUpdated.progress, runUpdated.status);
    if (!context.showProgress && runUpdated.status !== lastStatus) context.note(`run ${id}: ${runUpdated.status}`);
    lastStatus = runUpdated.status;
    if (TERMINAL.includes(runUpdated.status)) {
      done = true;
      break;
    }
  }
  progress.finish();
  if (!done)
    throw new CliError(
      `the server ended the subscription before run ${id} finished (see: modelplane runs show ${id})`,
      'SUBSCRIPTION_ENDED',
    );
  const { run } = await client.request(RunDetailsDocument, { id });
  if (!run) throw new CliError(`run ${id} not found`, 'NOT_FOUND');
  return run;
}

export const runCommands = [list, show, compare, retrain];
