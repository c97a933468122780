import {
  CreateModelVersionDocument,
  ModelDetailsDocument,
  ModelListDocument,
  ModelSchemaDocument,
  MoveModelAliasDocument,
  RegisterModelDocument,
  RemoveModelAliasDocument,
  RollbackModelDocument,
  type ModelTask,
} from '@modelplane/client';
import { readFile } from 'node:fs/promises';
import { integerOption, parseVersion, stringOption, type CommandSpec, type ParsedArgs, type ParsedValues } from '../args';
import type { CommandContext } from '../context';
import { CliError, UsageError } from '../errors';
import {
  checkFeatureNames,
  featuresFromFlags,
  parseFeaturesFile,
  parseTask,
  schemaDifferences,
  type FeatureSchema,
} from '../feature-schema';
import { formatBytes, formatTime, shortDigest, table, version } from '../format';

const modelOption = { model: { type: 'string', value: 'NAME', description: 'Model name' } } as const;

export async function readInputFile(context: CommandContext, file: string, what: string): Promise<Buffer> {
  try {
    return await readFile(context.path(file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (err as Error).message;
    throw new CliError(`cannot read ${what} ${file}: ${reason}`, 'FILE_ERROR');
  }
}

/** A model that must exist, with a clear NOT_FOUND when it does not. */
export async function modelSchema(context: CommandContext, name: string) {
  const { model } = await context.client().request(ModelSchemaDocument, { name });
  if (!model) throw new CliError(`model "${name}" not found (see modelplane models list)`, 'NOT_FOUND');
  return model;
}

const list: CommandSpec<CommandContext> = {
  path: ['models', 'list'],
  summary: 'Registered models with their production version and aliases',
  usage: '',
  options: {},
  positionals: { min: 0 },
  examples: ['modelplane models list', 'modelplane models list --json'],
  async run(context) {
    const { models } = await context.client().request(ModelListDocument);
    if (context.json) return context.printJson(models);
    if (!models.length) {
      context.out('No models yet. Register and push one with: modelplane models push FILE.onnx --model NAME --register --feature …');
      return;
    }
    context.out(
      table(
        ['NAME', 'TASK', 'PRODUCTION', 'LATEST', 'ALIASES'],
        models.map((m) => [
          m.name,
          m.task,
          version(m.productionVersion),
          version(m.latestVersion),
          m.aliases.map((a) => `${a.alias}=${version(a.version)}`).join(' '),
        ]),
      ),
    );
  },
};

const show: CommandSpec<CommandContext> = {
  path: ['models', 'show'],
  summary: 'A model: its features, versions, aliases and latest events',
  usage: 'NAME [--events N]',
  options: { events: { type: 'string', value: 'N', description: 'How many recent events to show (default 10)' } },
  positionals: { min: 1 },
  examples: ['modelplane models show churn'],
  async run(context, { values, positionals }) {
    const name = positionals[0]!;
    const events = integerOption(values, 'events', { min: 0, max: 500 }) ?? 10;
    const { model } = await context.client().request(ModelDetailsDocument, { name, events });
    if (!model) throw new CliError(`model "${name}" not found (see modelplane models list)`, 'NOT_FOUND');
    if (context.json) return context.printJson(model);
    const lines = [
      `${model.name}  ${model.task}`,
      ...(model.description ? [`  ${model.description}`] : []),
      `  production: ${version(model.productionVersion)}`,
      ...(model.labels?.length ? [`  labels: ${model.labels.join(', ')}`] : []),
      `  created: ${formatTime(model.createdAt)} by ${model.createdBy}`,
      '',
      'Features (in the order the model takes them)',
      indent(
        table(
          ['#', 'NAME', 'TYPE', 'CATEGORIES'],
          model.features.map((f, i) => [String(i + 1), f.name, f.type, f.categories?.join(', ') ?? '']),
          ['#'],
        ),
      ),
      '',
      'Versions',
      model.versions.length
        ? indent(
            table(
              ['VERSION', 'STATUS', 'ALIASES', 'DIGEST', 'SIZE', 'CREATED', 'BY', 'DESCRIPTION'],
              model.versions.map((v) => [
                version(v.version),
                v.status,
                v.aliases.join(', '),
                shortDigest(v.digest),
                formatBytes(v.sizeBytes),
                formatTime(v.createdAt),
                v.createdBy,
                v.description ?? '',
              ]),
              ['SIZE'],
            ),
          )
        : '  none yet: modelplane models push FILE.onnx --model ' + model.name,
    ];
    if (model.events.length) {
      lines.push(
        '',
        'Events (newest first)',
        indent(
          table(
            ['WHEN', 'KIND', 'ALIAS', 'FROM', 'TO', 'BY', 'REASON'],
            model.events.map((e) => [
              formatTime(e.createdAt),
              e.kind,
              e.alias ?? '',
              version(e.fromVersion),
              version(e.toVersion),
              e.actor,
              e.reason ?? '',
            ]),
          ),
        ),
      );
    }
    context.out(lines.join('\n'));
  },
};

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** The schema from --features FILE or --feature/--categorical flags, with --task/--labels/--description on top. */
async function givenSchema(context: CommandContext, values: ParsedValues, optionOrder: ParsedArgs['optionOrder']) {
  const file = stringOption(values, 'features');
  const flagged = featuresFromFlags(optionOrder);
  if (file && flagged.length)
    throw new UsageError('give the features either in a file (--features) or as flags (--feature/--categorical), not both');
  let schema: FeatureSchema | undefined;
  if (file) schema = parseFeaturesFile((await readInputFile(context, file, 'the features file')).toString('utf8'), file);
  else if (flagged.length) schema = { features: flagged };
  const task = stringOption(values, 'task');
  const labels = stringOption(values, 'labels');
  const description = stringOption(values, 'model-description');
  if (schema) {
    checkFeatureNames(schema.features);
    if (task) schema.task = parseTask(task);
    if (labels) schema.labels = labels.split(',').map((l) => l.trim());
  }
  return { schema, task: task ? parseTask(task) : schema?.task, labels: schema?.labels, description: description ?? schema?.description };
}

function defaultTask(labels: readonly string[] | undefined): ModelTask {
  return labels && labels.length > 2 ? 'MULTICLASS_CLASSIFICATION' : 'BINARY_CLASSIFICATION';
}

const push: CommandSpec<CommandContext> = {
  path: ['models', 'push'],
  summary: 'Upload an ONNX file as the next version of a model (registering the model first with --register)',
  usage: 'FILE.onnx --model NAME [--register --features FILE | --feature … --categorical …] [options]',
  details: [
    'The registry checks that the ONNX model loads and fits the model: one input of N×(number of features),',
    'a probability output for classifiers. Categorical features reach the model as the 0-based index of',
    'their value in the categories list.',
    '',
    'With --register, a model that does not exist yet is registered first with the feature schema given by',
    '--features FILE (a JSON list of { "name", "type", "categories" }, or an object with "features" and',
    'optionally "task", "labels", "description") or by --feature/--categorical flags in model input order.',
    'The task defaults to BINARY_CLASSIFICATION (MULTICLASS_CLASSIFICATION with more than two --labels).',
    'When the model exists, a given schema must match the registered one.',
  ].join('\n'),
  options: {
    ...modelOption,
    register: { type: 'boolean', description: 'Register the model if it does not exist yet (needs the feature schema)' },
    features: { type: 'string', value: 'FILE', description: 'Feature schema as JSON' },
    feature: {
      type: 'string',
      multiple: true,
      value: 'NAME[:TYPE]',
      description: 'A feature: NAME (numeric), NAME:NUMERIC or NAME:CATEGORICAL=a,b,c',
    },
    categorical: { type: 'string', multiple: true, value: 'NAME=a,b,c', description: 'A categorical feature and its categories' },
    task: {
      type: 'string',
      value: 'TASK',
      description: 'BINARY_CLASSIFICATION (binary), MULTICLASS_CLASSIFICATION (multiclass) or REGRESSION',
    },
    labels: { type: 'string', value: 'a,b', description: "Class labels in the order of the model's probability output" },
    'model-description': { type: 'string', value: 'TEXT', description: 'Description of the model (when registering)' },
    description: { type: 'string', value: 'TEXT', description: 'Description of this version' },
    'run-id': { type: 'string', value: 'ID', description: 'Training run that produced the file (lineage)' },
    alias: { type: 'string', value: 'ALIAS', description: 'Point this alias at the new version (production promotes it)' },
  },
  positionals: { min: 1 },
  examples: [
    'modelplane models push churn.onnx --model churn --register --feature tenure --feature spend --categorical plan=basic,pro,enterprise --labels stay,churn',
    'modelplane models push churn-v2.onnx --model churn --description "more data" --alias production',
  ],
  async run(context, { values, positionals, optionOrder }) {
    const file = positionals[0]!;
    const name = stringOption(values, 'model', true);
    const given = await givenSchema(context, values, optionOrder);
    const bytes = await readInputFile(context, file, 'the ONNX file');
    if (!bytes.length) throw new CliError(`${file} is empty`, 'FILE_ERROR');
    const client = context.client();

    const { model } = await client.request(ModelSchemaDocument, { name });
    let registered = false;
    if (!model) {
      if (!values.register) {
        throw new CliError(
          `model "${name}" does not exist: add --register and its feature schema (--features FILE or --feature/--categorical)`,
          'NOT_FOUND',
        );
      }
      if (!given.schema)
        throw new UsageError(`registering "${name}" needs its feature schema: --features FILE or --feature/--categorical flags`);
      await client.request(RegisterModelDocument, {
        input: {
          name,
          task: given.task ?? defaultTask(given.labels),
          features: given.schema.features,
          labels: given.labels,
          description: given.description,
        },
      });
      registered = true;
      if (!context.json)
        context.out(`Registered model ${name} (${given.task ?? defaultTask(given.labels)}, ${given.schema.features.length} features)`);
    } else if (given.schema) {
      const differences = schemaDifferences(given.schema.features, model.features);
      if (given.task && given.task !== model.task) differences.push(`given task ${given.task}, registered ${model.task}`);
      if (differences.length) {
        throw new CliError(
          `the feature schema differs from the registered model "${name}":\n  ${differences.join('\n  ')}`,
          'SCHEMA_MISMATCH',
        );
      }
    }

    const { createModelVersion: created } = await client.request(CreateModelVersionDocument, {
      input: {
        model: name,
        onnxBase64: bytes.toString('base64'),
        description: stringOption(values, 'description'),
        runId: stringOption(values, 'run-id'),
      },
    });
    const alias = stringOption(values, 'alias');
    const moved = alias
      ? (await client.request(MoveModelAliasDocument, { model: name, alias, version: created.version, reason: 'modelplane models push' }))
          .setModelAlias
      : undefined;
    if (context.json) return context.printJson({ model: name, registered, version: created, alias: moved ?? null });
    context.out(
      `Pushed ${name} ${version(created.version)}: sha256 ${shortDigest(created.digest)}…, ${formatBytes(created.sizeBytes)}, ${created.status}`,
    );
    if (moved) context.out(`${name}: ${moved.alias} → ${version(moved.version)} (${moved.version.status})`);
  },
};

const aliasSet: CommandSpec<CommandContext> = {
  path: ['alias', 'set'],
  summary: 'Point an alias at a version (production promotes it)',
  usage: 'ALIAS VERSION --model NAME [--reason TEXT]',
  options: { ...modelOption, reason: { type: 'string', value: 'TEXT', description: 'Why (recorded in the model events)' } },
  positionals: { min: 2 },
  examples: ['modelplane alias set production 2 --model churn', 'modelplane alias set challenger v3 --model churn'],
  async run(context, { values, positionals }) {
    const model = stringOption(values, 'model', true);
    const [alias, versionText] = positionals as [string, string];
    const { setModelAlias } = await context.client().request(MoveModelAliasDocument, {
      model,
      alias,
      version: parseVersion(versionText),
      reason: stringOption(values, 'reason'),
    });
    if (context.json) return context.printJson(setModelAlias);
    context.out(`${model}: ${setModelAlias.alias} → ${version(setModelAlias.version)} (${setModelAlias.version.status})`);
  },
};

const aliasDelete: CommandSpec<CommandContext> = {
  path: ['alias', 'delete'],
  summary: 'Remove an alias (not production: roll back or move it instead)',
  usage: 'ALIAS --model NAME',
  options: { ...modelOption },
  positionals: { min: 1 },
  async run(context, { values, positionals }) {
    const model = stringOption(values, 'model', true);
    const alias = positionals[0]!;
    const { deleteModelAlias } = await context.client().request(RemoveModelAliasDocument, { model, alias });
    if (context.json) return context.printJson({ model, alias, deleted: deleteModelAlias });
    context.out(deleteModelAlias ? `${model}: alias ${alias} removed` : `${model}: there was no alias ${alias}`);
  },
};

const rollback: CommandSpec<CommandContext> = {
  path: ['rollback'],
  summary: 'Move production back to the version it served before (or to --to VERSION)',
  usage: '--model NAME [--to VERSION] [--reason TEXT]',
  options: {
    ...modelOption,
    to: { type: 'string', value: 'VERSION', description: 'The version to roll back to (default: the previous production version)' },
    reason: { type: 'string', value: 'TEXT', description: 'Why (recorded in the model events)' },
  },
  positionals: { min: 0 },
  examples: ['modelplane rollback --model churn --reason "p95 latency doubled"', 'modelplane rollback --model churn --to 1'],
  async run(context, { values }) {
    const model = stringOption(values, 'model', true);
    const to = stringOption(values, 'to');
    const { rollbackModel } = await context.client().request(RollbackModelDocument, {
      model,
      toVersion: to === undefined ? undefined : parseVersion(to, '--to'),
      reason: stringOption(values, 'reason'),
    });
    if (context.json) return context.printJson(rollbackModel);
    context.out(`${model}: production rolled back from ${version(rollbackModel.fromVersion)} to ${version(rollbackModel.toVersion)}`);
  },
};

export const modelCommands = [list, show, push, aliasSet, aliasDelete, rollback];
