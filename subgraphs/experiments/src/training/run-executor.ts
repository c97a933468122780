import { hostname } from 'node:os';
import type { Logger } from '@modelplane/core';
import { rocAuc, type DatasetRow } from '@modelplane/ml';
import type { DataSource, EntityManager } from 'typeorm';
import type { DatasetVersion, StoredRow } from '../entities/dataset-version.entity';
import { Experiment } from '../entities/experiment.entity';
import { ReferenceProfileRecord } from '../entities/reference-profile.entity';
import { Run, RunStatus, type PromotionRecord } from '../entities/run.entity';
import { BUILTIN_DATASET, DatasetStore, fitsBuiltinDataset, splitRows } from '../datasets';
import { publishRunUpdate, RunStore, type MetricValue } from '../tracking-store';
import { RegistryRejectedError, type RegistryApi, type RegistryModel, type RegistryVersionSummary } from '../clients/registry-client';
import type { PredictionStreamsApi } from '../clients/prediction-streams';
import { rowsOf } from './job-queue';
import { OWN_SIGNATURE, scoreBinaryOnnx } from './onnx-scoring';
import type { TrainingOutput } from './pipeline';
import { runTraining, TrainingFailedError } from './training-executor';
import type { TrainingPlan } from './training-params';
import type { ExperimentsConfig } from '../experiments.settings';
import { aliasFor, decidePromotion } from './promotion-gate';

/** How close the exported ONNX must be to the trainer's own probabilities. */
export const ONNX_TOLERANCE = 1e-5;
const PROGRESS_INTERVAL_MS = 100;

/** A failure that retrying cannot fix (bad data, a model that does not fit): the run fails at once. */
export class PermanentRunError extends Error {
  override name = 'PermanentRunError';
}

/** This attempt no longer owns the run (cancelled, or handed to another worker): stop without writing. */
export class RunLostError extends Error {
  override name = 'RunLostError';
}

export interface ExecutorDeps {
  db: DataSource;
  config: ExperimentsConfig;
  logger: Logger;
  registry: RegistryApi;
  predictions: PredictionStreamsApi;
}

interface Attempt {
  run: Run;
  attempt: number;
  signal: AbortSignal;
  abort: (reason: string) => void;
}

const describe = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * One training attempt of a run, from claim to SUCCEEDED. Every write is fenced by the attempt
 * number (`WHERE attempt = $n AND status = 'RUNNING'`): once a run is cancelled or handed to
 * another worker, this attempt can no longer change it. Registration is idempotent per run: a
 * retried attempt adopts the version an earlier attempt registered, so one run (one job) never
 * produces two versions.
 */
export class RunExecutor {
  private readonly store: RunStore;
  private readonly datasets: DatasetStore;
  private readonly worker = `${hostname()}:${process.pid}`;

  constructor(private readonly deps: ExecutorDeps) {
    this.store = new RunStore(deps.db);
    this.datasets = new DatasetStore(deps.db);
  }

  /** Claims the run for a new attempt; null when it is no longer runnable (cancelled, finished). */
  async claim(runId: string): Promise<{ run: Run; attempt: number } | null> {
    return this.deps.db.transaction(async (em) => {
      const rows = rowsOf<{ id: string; attempt: number }>(
        await em.query(
          `UPDATE experiments.run SET status = 'RUNNING', attempt = attempt + 1, started_at = COALESCE(started_at, now()),
             heartbeat_at = now(), error = NULL, updated_at = now()
           WHERE id = $1 AND managed AND status IN ('QUEUED', 'RUNNING') RETURNING id, attempt`,
          [runId],
        ),
      );
      if (!rows.length) return null;
      const run = await em.getRepository(Run).findOneByOrFail({ id: runId });
      await this.store.appendLog(em, runId, `attempt ${run.attempt} started on worker ${this.worker}`);
      await publishRunUpdate((sql, p) => em.query(sql, p), run);
      return { run, attempt: run.attempt };
    });
  }

  /** Runs `fn` in a transaction that holds the run row, only while this attempt still owns it. */
  private async fenced<T>(a: Attempt, fn: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.deps.db.transaction(async (em) => {
      const rows = (await em.query(`SELECT attempt, status FROM experiments.run WHERE id = $1 FOR UPDATE`, [a.run.id])) as Array<{
        attempt: number;
        status: string;
      }>;
      if (rows[0]?.attempt !== a.attempt || rows[0]?.status !== RunStatus.RUNNING) {
        a.abort('the run was cancelled or handed to another worker');
        throw new RunLostError(`run ${a.run.id} is no longer owned by attempt ${a.attempt}`);
      }
      return fn(em);
    });
  }

  private async setProgress(a: Attempt, progress: number, log?: string): Promise<void> {
    await this.fenced(a, async (em) => {
      await em.query(
        `UPDATE experiments.run SET progress = GREATEST(progress, $2), heartbeat_at = now(), updated_at = now() WHERE id = $1`,
        [a.run.id, Math.min(1, Math.max(0, progress))],
      );
      if (log) await this.store.appendLog(em, a.run.id, log);
      const run = await em.getRepository(Run).findOneByOrFail({ id: a.run.id });
      await publishRunUpdate((sql, p) => em.query(sql, p), run);
    });
  }

  /** Keeps the claim alive while the attempt runs; a heartbeat that finds the run gone aborts it. */
  async heartbeat(a: { run: Run; attempt: number; abort: (reason: string) => void }): Promise<void> {
    // SKIP LOCKED: while this attempt holds the row (registering), the heartbeat must not queue behind it.
    const rows = rowsOf<{ id: string }>(
      await this.deps.db.query(
        `UPDATE experiments.run SET heartbeat_at = now()
         WHERE id IN (SELECT id FROM experiments.run WHERE id = $1 FOR UPDATE SKIP LOCKED) AND attempt = $2 AND status = 'RUNNING'
         RETURNING id`,
        [a.run.id, a.attempt],
      ),
    );
    if (rows.length) return;
    const current = (await this.deps.db.query(`SELECT attempt, status FROM experiments.run WHERE id = $1`, [a.run.id])) as Array<{
      attempt: number;
      status: string;
    }>;
    if (current[0]?.attempt !== a.attempt || current[0]?.status !== RunStatus.RUNNING)
      a.abort('the run was cancelled or handed to another worker');
  }

  async execute(claimed: { run: Run; attempt: number }, signal: AbortSignal, abort: (reason: string) => void): Promise<void> {
    const a: Attempt = { ...claimed, signal, abort };
    const { run } = a;
    const started = Date.now();
    const plan = run.request as TrainingPlan | null;
    if (!plan) throw new PermanentRunError('the run has no training request');
    const model = await this.deps.registry.model(run.modelName);
    if (!model) throw new PermanentRunError(`model ${run.modelName} does not exist in the registry`);
    if (model.task !== 'BINARY_CLASSIFICATION' || model.labels?.length !== 2) {
      throw new PermanentRunError(`the built-in trainers train binary classifiers; ${model.name} is ${model.task}`);
    }
    const experiment = await this.deps.db.getRepository(Experiment).findOneByOrFail({ modelName: run.modelName });

    const dataset = await this.resolveDataset(a, plan, model, experiment);
    const rows = await this.datasets.content(dataset.id);
    const split = splitRows(rows, dataset.split);
    await this.setProgress(
      a,
      0.05,
      `dataset ${dataset.name} v${dataset.version} (${dataset.digest.slice(0, 12)}…): ${split.train.length} training rows, ${split.test.length} held-out rows`,
    );

    const output = await this.train(a, plan, model, dataset, split);
    const trainedAt = Date.now();
    const maxDiff = await this.verifyExport(output, split.test);
    await this.recordTraining(a, plan, dataset, split, output, maxDiff, (trainedAt - started) / 1000);

    const version = await this.register(a, dataset, output);
    await this.setProgress(a, 0.95, `registered version ${version.version} of ${run.modelName}`);
    const decision = await this.promote(a, model, experiment, version, output, split.test);

    await this.fenced(a, async (em) => {
      await em.query(
        `UPDATE experiments.run SET status = 'SUCCEEDED', progress = 1, finished_at = now(), updated_at = now() WHERE id = $1`,
        [run.id],
      );
      await this.store.appendLog(
        em,
        run.id,
        `succeeded in ${((Date.now() - started) / 1000).toFixed(2)} s: version ${version.version}, ${decision.promoted ? 'promoted to production' : 'kept as a candidate'} (${decision.reason})`,
      );
      await publishRunUpdate((sql, p) => em.query(sql, p), await em.getRepository(Run).findOneByOrFail({ id: run.id }));
    });
  }

  /**
   * The dataset version this run trains on: pinned by an earlier attempt if there was one (a
   * retry must train on the same rows), else the base dataset plus, when the prediction log has
   * labelled feedback, those rows as a new version (NEW_DATA).
   */
  private async resolveDataset(a: Attempt, plan: TrainingPlan, model: RegistryModel, experiment: Experiment): Promise<DatasetVersion> {
    if (a.run.datasetVersionId) {
      const pinned = await this.datasets.byId(a.run.datasetVersionId);
      if (pinned) return pinned;
    }
    const name = plan.dataset ?? experiment.datasetName ?? (fitsBuiltinDataset(model.features, model.labels) ? BUILTIN_DATASET : null);
    if (!name) {
      throw new PermanentRunError(
        `model ${model.name} has no training dataset: registerDataset(input: { model: "${model.name}", … }) or pass params.dataset`,
      );
    }
    if (name === BUILTIN_DATASET) await this.datasets.ensureBuiltin();
    const base = await this.datasets.latestBase(name);
    if (!base) throw new PermanentRunError(`dataset ${name} does not exist`);
    const featureNames = model.features.map((f) => f.name);
    if (base.featureNames.join('\u0000') !== featureNames.join('\u0000')) {
      throw new PermanentRunError(
        `dataset ${name} has features [${base.featureNames.join(', ')}] but model ${model.name} takes [${featureNames.join(', ')}]`,
      );
    }
    let chosen = base;
    if (plan.includeFeedback !== false) {
      try {
        const labelled = await this.deps.predictions.labelledPredictions(model.name);
        const extra = feedbackRows(labelled, model);
        if (extra.rows.length) {
          const baseRows = await this.datasets.content(base.id);
          chosen = (
            await this.datasets.register({
              name: base.name,
              featureNames: base.featureNames,
              labels: base.labels,
              rows: [...baseRows, ...extra.rows],
              split: { ...base.split, appendedTrainRows: extra.rows.length },
              source: `${base.name} v${base.version} + ${extra.rows.length} labelled predictions from the prediction log (feedback joined to logged features)`,
              parentId: base.id,
            })
          ).dataset;
        }
        if (extra.skipped) await this.log(a, `skipped ${extra.skipped} feedback rows whose features or label do not fit the model`, 'warn');
      } catch (err) {
        if (err instanceof RunLostError) throw err;
        if (plan.includeFeedback === true) throw new Error(`could not read feedback from the prediction log: ${describe(err)}`);
        await this.log(a, `training without feedback rows: the prediction log is unavailable (${describe(err)})`, 'warn');
      }
    }
    await this.fenced(a, (em) => em.query(`UPDATE experiments.run SET dataset_version_id = $2 WHERE id = $1`, [a.run.id, chosen.id]));
    a.run.datasetVersionId = chosen.id;
    return chosen;
  }

  private async log(a: Attempt, message: string, level: 'info' | 'warn' | 'error' = 'info'): Promise<void> {
    await this.fenced(a, (em) => this.store.appendLog(em, a.run.id, message, level));
  }

  /** Trains in a worker thread; progress (throttled to 10 writes/s) doubles as the heartbeat and the cancellation check. */
  private async train(
    a: Attempt,
    plan: TrainingPlan,
    model: RegistryModel,
    dataset: DatasetVersion,
    split: { train: DatasetRow[]; test: DatasetRow[] },
  ) {
    let latest = 0.05;
    let written = 0.05;
    let writing: Promise<void> | undefined;
    let lastWrite = 0;
    let lastLogged = 0;
    const write = () => {
      if (writing || latest <= written) return;
      const value = latest;
      lastWrite = Date.now();
      writing = this.setProgress(a, value)
        .then(() => {
          written = value;
        })
        .catch((err: unknown) => {
          if (!(err instanceof RunLostError)) this.deps.logger.warn({ err, runId: a.run.id }, 'progress update failed');
        })
        .finally(() => {
          writing = undefined;
        });
    };
    const timer = setInterval(() => {
      if (Date.now() - lastWrite >= PROGRESS_INTERVAL_MS) write();
    }, PROGRESS_INTERVAL_MS);
    try {
      const output = await runTraining(
        {
          plan,
          featureNames: model.features.map((f) => f.name),
          train: split.train,
          test: split.test,
          metadata: { 'modelplane.run_id': a.run.id, 'modelplane.dataset_digest': dataset.digest },
        },
        (fraction) => {
          latest = 0.05 + 0.8 * fraction;
          if (Date.now() - lastWrite >= PROGRESS_INTERVAL_MS) write();
          const quarter = Math.floor(fraction * 4);
          if (quarter > lastLogged) {
            lastLogged = quarter;
            this.deps.logger.info(
              { runId: a.run.id, model: a.run.modelName, progress: Math.round(fraction * 100) / 100 },
              `training ${a.run.modelName}: ${quarter * 25}%`,
            );
          }
        },
        a.signal,
      );
      return output;
    } catch (err) {
      if (err instanceof TrainingFailedError) throw new PermanentRunError(`training failed: ${err.message}`);
      throw err;
    } finally {
      clearInterval(timer);
      await writing;
    }
  }

  /** The exported model must give the trainer's probabilities in ONNX Runtime, as it will when served. */
  private async verifyExport(output: TrainingOutput, test: DatasetRow[]): Promise<number> {
    const served = await scoreBinaryOnnx(
      output.onnx,
      test.map((r) => r.features),
      OWN_SIGNATURE,
    );
    let maxDiff = 0;
    for (let i = 0; i < served.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(served[i]! - output.testProbabilities[i]!));
      if (served[i]! >= 0.5 !== output.testProbabilities[i]! >= 0.5) {
        throw new PermanentRunError(`the ONNX export labels held-out row ${i} differently from the trainer`);
      }
    }
    if (maxDiff > ONNX_TOLERANCE)
      throw new PermanentRunError(`the ONNX export differs from the trainer by ${maxDiff} (tolerance ${ONNX_TOLERANCE})`);
    return maxDiff;
  }

  private async recordTraining(
    a: Attempt,
    plan: TrainingPlan,
    dataset: DatasetVersion,
    split: { train: DatasetRow[]; test: DatasetRow[] },
    output: TrainingOutput,
    maxDiff: number,
    seconds: number,
  ): Promise<void> {
    const params: Record<string, string> = {
      trainer: plan.trainer,
      dataset: dataset.name,
      dataset_version: String(dataset.version),
      dataset_digest: dataset.digest,
      train_rows: String(split.train.length),
      test_rows: String(split.test.length),
      seed: String(plan.seed),
    };
    for (const [key, value] of Object.entries(output.finalParams)) params[key] = typeof value === 'string' ? value : JSON.stringify(value);
    if (output.search) {
      params['search.strategy'] = plan.search!.strategy;
      params['search.folds'] = String(output.search.folds);
      params['search.candidates'] = String(output.search.candidates);
      params['search.metric'] = output.search.metric;
      params['search.space'] = JSON.stringify(plan.search!.space);
    }
    const r = output.report;
    const now = new Date();
    const metrics: MetricValue[] = [
      ...output.losses.map((l) => ({ key: 'train_loss', value: l.loss, step: l.step, timestamp: now })),
      ...Object.entries({
        accuracy: r.accuracy,
        precision: r.precision,
        recall: r.recall,
        f1: r.f1,
        roc_auc: r.rocAuc,
        log_loss: r.logLoss,
        brier_score: r.brierScore,
        true_positives: r.confusion.truePositives,
        false_positives: r.confusion.falsePositives,
        true_negatives: r.confusion.trueNegatives,
        false_negatives: r.confusion.falseNegatives,
        baseline_accuracy: output.baseline.accuracy,
        baseline_roc_auc: output.baseline.rocAuc,
        baseline_log_loss: output.baseline.logLoss,
        cv_score: output.search?.bestScore ?? NaN,
        fit_seconds: output.fitSeconds,
        search_seconds: output.searchSeconds,
        training_seconds: seconds,
        rows_per_second: split.train.length / Math.max(output.fitSeconds, 1e-9),
        onnx_max_abs_diff: maxDiff,
      }).map(([key, value]) => ({ key, value, step: 0, timestamp: now })),
    ].filter((m) => Number.isFinite(m.value));
    await this.fenced(a, async (em) => {
      await this.store.logParams(
        a.run.id,
        Object.entries(params).map(([key, value]) => ({ key, value })),
        em,
      );
      await this.store.logMetrics(a.run.id, metrics, em);
      await em.query(`UPDATE experiments.run SET seed = $2, progress = GREATEST(progress, 0.9), heartbeat_at = now() WHERE id = $1`, [
        a.run.id,
        plan.seed,
      ]);
      await this.store.appendLog(
        em,
        a.run.id,
        `trained ${plan.trainer} in ${output.fitSeconds.toFixed(3)} s: test ROC AUC ${r.rocAuc.toFixed(4)} (majority baseline ${output.baseline.rocAuc.toFixed(3)}), accuracy ${r.accuracy.toFixed(4)} (baseline ${output.baseline.accuracy.toFixed(4)}); ONNX matches the trainer to ${maxDiff.toExponential(1)}`,
      );
    });
  }

  /**
   * Registers the version exactly once per run: under the run's row lock, adopt what this run
   * already produced (recorded, or found in the registry by runId after a crash between the two
   * steps), else create it — and record it, with the reference profile, in the same transaction.
   */
  private async register(a: Attempt, dataset: DatasetVersion, output: TrainingOutput): Promise<{ id: string; version: number }> {
    return this.fenced(a, async (em) => {
      const current = await em.getRepository(Run).findOneByOrFail({ id: a.run.id });
      if (current.producedVersionId && current.producedVersion !== null)
        return { id: current.producedVersionId, version: current.producedVersion };
      const model = await this.deps.registry.model(a.run.modelName);
      if (!model) throw new PermanentRunError(`model ${a.run.modelName} no longer exists in the registry`);
      let version: RegistryVersionSummary | undefined = model.versions.find((v) => v.runId === a.run.id);
      if (version) {
        await this.store.appendLog(em, a.run.id, `adopting version ${version.version}, registered by an earlier attempt of this run`);
      } else {
        try {
          version = await this.deps.registry.createVersion({
            model: a.run.modelName,
            onnx: output.onnx,
            runId: a.run.id,
            datasetDigest: dataset.digest,
            description: `${a.run.request?.trainer ?? 'trained'} by run ${a.run.id} on ${dataset.name} v${dataset.version} (test ROC AUC ${output.report.rocAuc.toFixed(4)})`,
          });
        } catch (err) {
          if (err instanceof RegistryRejectedError) throw new PermanentRunError(`the registry refused the version: ${err.message}`);
          throw err;
        }
      }
      await em.query(`UPDATE experiments.run SET produced_version_id = $2, produced_version = $3, updated_at = now() WHERE id = $1`, [
        a.run.id,
        version.id,
        version.version,
      ]);
      await em
        .createQueryBuilder()
        .insert()
        .into(ReferenceProfileRecord)
        .values({
          modelName: a.run.modelName,
          version: version.version,
          versionId: version.id,
          runId: a.run.id,
          datasetVersionId: dataset.id,
          profile: output.profile,
        })
        .orIgnore()
        .execute();
      return { id: version.id, version: version.version };
    });
  }

  /**
   * The promotion gate: score the production version's own ONNX on the same held-out rows, let
   * the policy decide (promotion-gate.ts), and record the decision on the run and, through an
   * alias move with its reason, in the registry.
   */
  private async promote(
    a: Attempt,
    model: RegistryModel,
    experiment: Experiment,
    version: { id: string; version: number },
    output: TrainingOutput,
    test: DatasetRow[],
  ): Promise<PromotionRecord> {
    const recorded = (await this.deps.db.getRepository(Run).findOneByOrFail({ id: a.run.id })).promotion;
    if (recorded) return recorded;
    const fresh = (await this.deps.registry.model(model.name)) ?? model;
    const production = fresh.productionVersion;
    const candidateRocAuc = output.report.rocAuc;
    let productionScore: number | { error: string } | null = null;
    if (production && production.version !== version.version) {
      try {
        const bytes = await this.deps.registry.artifact(production.digest);
        const probabilities = await scoreBinaryOnnx(
          bytes,
          test.map((r) => r.features),
          production.signature,
        );
        productionScore = rocAuc(
          Uint8Array.from(test, (r) => r.label),
          probabilities,
        );
      } catch (err) {
        productionScore = { error: describe(err) };
      }
    }
    const decision = decidePromotion({
      candidateVersion: version.version,
      candidateRocAuc,
      productionVersion: production?.version ?? null,
      productionScore,
      minImprovement: experiment.minImprovement,
      autoPromote: experiment.autoPromote,
    });
    const alias = aliasFor(decision);
    if (alias) await this.deps.registry.setAlias(model.name, alias, version.version, `run ${a.run.id}: ${decision.reason}`);
    await this.fenced(a, async (em) => {
      await em.query(`UPDATE experiments.run SET promotion = $2, tags = tags || $3::jsonb, updated_at = now() WHERE id = $1`, [
        a.run.id,
        decision,
        JSON.stringify({ 'promotion.decision': decision.promoted ? 'promoted' : 'candidate', 'promotion.reason': decision.reason }),
      ]);
      const metrics: MetricValue[] = [];
      if (decision.productionRocAuc !== null) {
        metrics.push({ key: 'production_roc_auc', value: decision.productionRocAuc });
        metrics.push({ key: 'roc_auc_gain', value: candidateRocAuc - decision.productionRocAuc });
      }
      metrics.push({ key: 'promoted', value: decision.promoted ? 1 : 0 });
      await this.store.logMetrics(a.run.id, metrics, em);
      await this.store.appendLog(
        em,
        a.run.id,
        `promotion gate: ${decision.promoted ? 'promoted' : 'kept as a candidate'}: ${decision.reason}`,
      );
    });
    return decision;
  }
}

/** Feedback joined to its prediction's logged features, as dataset rows in the model's feature order. */
export function feedbackRows(
  labelled: Array<{ prediction: { features: Record<string, unknown>; createdAt: string }; actual: string }>,
  model: Pick<RegistryModel, 'features' | 'labels'>,
): { rows: StoredRow[]; skipped: number } {
  const rows: StoredRow[] = [];
  let skipped = 0;
  for (const { prediction, actual } of labelled) {
    const label = model.labels?.indexOf(actual) ?? -1;
    const values = model.features.map((f) => {
      const v = prediction.features[f.name];
      if (f.type === 'CATEGORICAL') return typeof v === 'string' ? (f.categories?.indexOf(v) ?? -1) : NaN;
      return typeof v === 'number' ? v : NaN;
    });
    const unfit = values.some((v, i) => !Number.isFinite(v) || (model.features[i]!.type === 'CATEGORICAL' && v < 0));
    if ((label !== 0 && label !== 1) || unfit) {
      skipped++;
      continue;
    }
    rows.push({ date: String(prediction.createdAt).slice(0, 10), features: values, label });
  }
  return { rows, skipped };
}
