import { ModelplaneClientError, PredictRowsDocument } from '@modelplane/client';
import { writeFile } from 'node:fs/promises';
import { integerOption, stringOption, type CommandSpec } from '../args';
import type { CommandContext } from '../context';
import { CliError, UsageError } from '../errors';
import { version } from '../format';
import { createProgressBar } from '../progress';
import { formatOf, formatRows, outputRow, readCsvRows, readJsonRows, type InputTable, type RowFormat } from '../rows';
import { modelSchema, readInputFile } from './models';

const predict: CommandSpec<CommandContext> = {
  path: ['predict'],
  summary: 'Predict the rows of a CSV or JSON file in batches',
  usage: '--model NAME --input rows.csv|rows.json [--output FILE] [options]',
  details: [
    "CSV input: the first line names the columns; the model's NUMERIC features must hold numbers,",
    'CATEGORICAL ones are sent as the text they are. JSON input: a list of objects (or { "rows": [...] }),',
    'or JSON Lines (.jsonl). Columns that are not features of the model are not sent, and are kept in the output.',
    '',
    'The output is every input row followed by prediction_id (for feedback), predicted_label, predicted_score,',
    'model_version and probability_<label> columns: CSV or JSON by the --output extension; without --output it',
    'goes to stdout (JSON with --json or a JSON input, CSV otherwise).',
  ].join('\n'),
  options: {
    model: { type: 'string', value: 'NAME', description: 'Model name' },
    input: { type: 'string', value: 'FILE', description: 'Rows to predict: .csv, .json, .jsonl' },
    output: { type: 'string', value: 'FILE', description: 'Where to write the predictions: .csv, .json, .jsonl (default stdout)' },
    'batch-size': { type: 'string', value: 'N', description: 'Rows per predictBatch request (default 1000)' },
    version: { type: 'string', value: 'N', description: 'Serve this version instead of production' },
    alias: { type: 'string', value: 'ALIAS', description: 'Serve the version this alias points to' },
    'request-key': { type: 'string', value: 'KEY', description: 'Keeps every batch on the same side of a canary split' },
  },
  positionals: { min: 0 },
  examples: [
    'modelplane predict --model churn --input customers.csv --output scored.csv',
    'modelplane predict --model churn --input rows.json --alias challenger --json > scored.json',
  ],
  async run(context, { values }) {
    const model = stringOption(values, 'model', true);
    const input = stringOption(values, 'input', true);
    const output = stringOption(values, 'output');
    const batchSize = integerOption(values, 'batch-size', { min: 1, max: 100000 }) ?? 1000;
    const pinnedVersion = integerOption(values, 'version', { min: 1 });
    const alias = stringOption(values, 'alias');
    if (pinnedVersion !== undefined && alias) throw new UsageError('give --version or --alias, not both');
    const inputFormat = formatOf(input);
    if (!inputFormat) throw new UsageError(`--input must be a .csv, .json or .jsonl file, got ${input}`);
    const outputFormat: RowFormat = output
      ? (formatOf(output) ?? badOutput(output))
      : context.json || inputFormat !== 'csv'
        ? 'json'
        : 'csv';

    const text = (await readInputFile(context, input, 'the input')).toString('utf8');
    const { features } = await modelSchema(context, model);
    const table: InputTable = inputFormat === 'csv' ? readCsvRows(text, features, input) : readJsonRows(text, inputFormat, features, input);
    if (table.ignored.length) context.note(`not sent to the model (kept in the output): ${table.ignored.join(', ')}`);

    const client = context.client();
    const progress = createProgressBar({
      stream: context.io.stderr,
      label: `predict ${model}`,
      total: table.rows.length,
      unit: 'rows',
      enabled: context.showProgress,
    });
    const results: Array<Record<string, unknown>> = [];
    const versions = new Set<number>();
    progress.update(0);
    for (let start = 0; start < table.rows.length; start += batchSize) {
      const batch = table.rows.slice(start, start + batchSize);
      let predictions;
      try {
        ({ predictBatch: predictions } = await client.request(PredictRowsDocument, {
          model,
          rows: batch.map((r) => r.features),
          version: pinnedVersion,
          alias,
          requestKey: stringOption(values, 'request-key'),
        }));
      } catch (err) {
        progress.finish('failed');
        // The server's message names the feature; say which rows of the input the batch held.
        if (err instanceof ModelplaneClientError && err.code !== 'NETWORK_ERROR') {
          const where = batch.length === 1 ? batch[0]!.where : `${batch[0]!.where} to ${batch[batch.length - 1]!.where}`;
          throw new ModelplaneClientError(`${where} of ${input}: ${err.message}`, {
            code: err.code,
            errors: err.errors,
            status: err.status,
          });
        }
        throw err;
      }
      predictions.forEach((p, i) => {
        versions.add(p.version);
        const row = batch[i]!;
        // CSV out keeps the cells as written; JSON out gets the typed feature values (numbers as numbers).
        results.push(outputRow(outputFormat === 'csv' ? row.source : { ...row.source, ...row.features }, p));
      });
      progress.update(start + batch.length);
    }
    progress.finish();

    const formatted = formatRows(results, outputFormat, table.columns);
    const summary = {
      model,
      rows: results.length,
      batches: Math.ceil(table.rows.length / batchSize),
      versions: [...versions].sort((a, b) => a - b),
      output: output ?? null,
    };
    if (output) {
      try {
        await writeFile(context.path(output), formatted);
      } catch (err) {
        throw new CliError(`cannot write ${output}: ${(err as Error).message}`, 'FILE_ERROR');
      }
      if (context.json) context.printJson(summary);
      else context.out(`Predicted ${summary.rows} rows with ${model} ${summary.versions.map((v) => version(v)).join(', ')} → ${output}`);
    } else {
      context.io.stdout.write(formatted);
      context.note(`Predicted ${summary.rows} rows with ${model} ${summary.versions.map((v) => version(v)).join(', ')}`);
    }
  },
};

function badOutput(file: string): never {
  throw new UsageError(`--output must be a .csv, .json or .jsonl file, got ${file}`);
}

export const predictCommands = [predict];
