import { BadUserInputError, ErrorCode, ModelplaneError, OverloadedError, assertModelName, type SubgraphServices } from '@modelplane/core';
import { decodeOutputs, type DecodedBatch, type EncodedRows } from '@modelplane/inference';
import { Tensor } from 'onnxruntime-node';
import { Counter, Histogram } from 'prom-client';
import { PredictionRoute } from './prediction-route';
import type { ModelCatalog, Route, RouteRequest, ServingModel, ServingVersion } from './model-catalog';
import { PredictionIds } from './prediction-ids';
import type { PredictionLogWriter } from './prediction-log-writer';
import type { PredictionConfig } from '../prediction.settings';

/** What one predict/predictBatch call served: columnar, one entry per row. */
export interface ServedBatch {
  ids: PredictionIds;
  modelName: string;
  version: number;
  route: PredictionRoute;
  latencyMs: number;
  decoded: DecodedBatch;
}

const MAX_SHADOWS_IN_FLIGHT = 64;
const INFER_CHUNK = 1000;

function concatDecoded(parts: DecodedBatch[]): DecodedBatch {
  const first = parts[0]!;
  const rows = parts.reduce((n, p) => n + p.rows, 0);
  const scores = new Float64Array(rows);
  const probabilities = first.probabilities ? new Float64Array(rows * first.classCount) : null;
  const labels: (string | null)[] = [];
  let offset = 0;
  for (const p of parts) {
    scores.set(p.scores, offset);
    if (probabilities && p.probabilities) probabilities.set(p.probabilities, offset * first.classCount);
    for (const l of p.labels) labels.push(l);
    offset += p.rows;
  }
  return { ...first, rows, scores, probabilities, labels };
}

/**
 * The serving path: validate and encode the rows, pick the version, run ONNX Runtime, decode,
 * log asynchronously, and send a copy to the shadow version if one is set. Rejected input is
 * never logged.
 */
export class Predictor {
  private readonly duration: Histogram<'model' | 'version' | 'route'>;
  private readonly rowsServed: Counter<'model' | 'version' | 'route'>;
  private readonly shadowDropped: Counter<'model'>;
  private readonly failures: Counter<'model' | 'version' | 'code'>;
  private shadowsInFlight = 0;

  constructor(
    private readonly services: SubgraphServices<PredictionConfig>,
    private readonly catalog: ModelCatalog,
    private readonly log: PredictionLogWriter,
  ) {
    const registers = [services.metrics.registry];
    this.duration = new Histogram({
      name: 'modelplane_prediction_duration_seconds',
      help: 'Time to serve a predict or predictBatch call in the prediction service',
      labelNames: ['model', 'version', 'route'],
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.rowsServed = new Counter({
      name: 'modelplane_predictions_total',
      help: 'Rows predicted',
      labelNames: ['model', 'version', 'route'],
      registers,
    });
    this.failures = new Counter({
      name: 'modelplane_prediction_failures_total',
      help: 'Calls that passed validation but could not be served, by error code (each also logged as an error row)',
      labelNames: ['model', 'version', 'code'],
      registers,
    });
    this.shadowDropped = new Counter({
      name: 'modelplane_shadow_predictions_dropped_total',
      help: 'Shadow copies skipped because too many were already running',
      labelNames: ['model'],
      registers,
    });
  }

  async predict(modelName: string, rows: readonly unknown[], request: RouteRequest): Promise<ServedBatch> {
    const start = performance.now();
    assertModelName(modelName, 'model');
    const max = this.services.config.PREDICT_BATCH_MAX_ROWS;
    if (!rows.length) throw new BadUserInputError('rows must not be empty', { argument: 'rows' });
    if (rows.length > max)
      throw new BadUserInputError(`${rows.length} rows exceed the limit of ${max} (PREDICT_BATCH_MAX_ROWS)`, { argument: 'rows' });
    // Never acknowledge a prediction the log has no room for: refuse it now instead.
    if (!this.log.hasRoom(rows.length)) {
      this.log.refuse(rows.length);
      throw new OverloadedError('the prediction log is catching up with the database; retry shortly', {
        retryAfterMs: this.services.config.PREDICTION_LOG_FLUSH_MS * 5,
      });
    }
    const { model, route } = await this.catalog.resolve(modelName, request);
    // Validation happens here, for the whole batch, before anything runs or is logged.
    const encoded = model.encoder.encode(rows, route.target.signature.inputType);
    let decoded: DecodedBatch;
    try {
      decoded = await this.infer(model, route.target, encoded, rows.length);
    } catch (err) {
      this.recordFailure(model, route.target.version, route.route, route.alias, err, performance.now() - start);
      throw err;
    }
    const latencyMs = performance.now() - start;
    const ids = new PredictionIds(rows.length);
    this.log.append({
      ids,
      model: modelName,
      version: route.target.version,
      route: route.route,
      alias: route.alias,
      shadowOf: null,
      layout: model.logLayout,
      values: encoded.values,
      labels: decoded.labels,
      scores: decoded.scores,
      probabilities: decoded.probabilities,
      classCount: decoded.classCount,
      latencyMs,
      createdAt: new Date(),
    });
    const labels = { model: modelName, version: String(route.target.version), route: route.route };
    this.duration.observe(labels, latencyMs / 1000);
    this.rowsServed.inc(labels, rows.length);
    if (route.shadow && route.shadow.version !== route.target.version) this.shadow(model, route, encoded, rows.length, ids);
    return { ids, modelName, version: route.target.version, route: route.route, latencyMs, decoded };
  }

  /**
   * Large batches run in chunks with a turn of the event loop between them, so a 10 000-row
   * batch does not hold up the single-row requests arriving meanwhile.
   */
  private async infer(model: ServingModel, version: ServingVersion, encoded: EncodedRows, rows: number): Promise<DecodedBatch> {
    // A shadow version may take another float type than the version that validated the rows.
    const tensor =
      version.signature.inputType === 'float32'
        ? encoded.tensor instanceof Float32Array
          ? encoded.tensor
          : Float32Array.from(encoded.values)
        : encoded.values;
    if (rows <= INFER_CHUNK) return this.inferChunk(model, version, tensor, 0, rows, rows);
    const parts: DecodedBatch[] = [];
    for (let i = 0; i < rows; i += INFER_CHUNK) {
      if (i) await new Promise((r) => setImmediate(r));
      parts.push(await this.inferChunk(model, version, tensor, i, Math.min(rows, i + INFER_CHUNK), rows));
    }
    return concatDecoded(parts);
  }

  private async inferChunk(
    model: ServingModel,
    version: ServingVersion,
    tensor: Float32Array | Float64Array,
    from: number,
    to: number,
    total: number,
  ): Promise<DecodedBatch> {
    const sig = version.signature;
    const n = to - from;
    const input = tensor.subarray(from * sig.featureCount, to * sig.featureCount);
    const output = (sig.probabilitiesOutput ?? sig.valueOutput)!;
    const outputs = await this.catalog.withSession(model, version, (s) =>
      s.run({ [sig.inputName]: new Tensor(sig.inputType, input, [n, sig.featureCount]) }, [output]),
    );
    const decoded = decodeOutputs(outputs, sig, model.labels, n);
    // Finite inputs can still overflow inside a model (float32): refuse rather than log a null.
    for (let i = 0; i < decoded.rows; i++) {
      if (!Number.isFinite(decoded.scores[i]!)) {
        const row = from + i;
        throw new BadUserInputError(
          `the model gave no finite score for ${total > 1 ? `row ${row}` : 'this input'}: it is outside what the model can handle`,
          {
            ...(total > 1 && { row }),
          },
        );
      }
    }
    return decoded;
  }

  /**
   * A call that passed validation but could not be served (artifact integrity, registry
   * unreachable, ONNX Runtime error) is logged as one row with its error code, so error rates
   * are monitored from the same stream. Input the model cannot handle is the caller's error and,
   * like all rejected input, not logged.
   */
  private recordFailure(
    model: ServingModel,
    version: number,
    route: PredictionRoute,
    alias: string | null,
    err: unknown,
    latencyMs: number,
  ): void {
    if (err instanceof BadUserInputError) return;
    const code = err instanceof ModelplaneError ? err.code : ErrorCode.INTERNAL;
    this.failures.inc({ model: model.name, version: String(version), code });
    // Not an acknowledged prediction: with the buffer full it is only counted.
    this.log.append({
      ids: new PredictionIds(1),
      model: model.name,
      version,
      route,
      alias,
      shadowOf: null,
      layout: model.logLayout,
      values: new Float64Array(0),
      labels: [null],
      scores: [Number.NaN],
      probabilities: null,
      classCount: 0,
      latencyMs,
      createdAt: new Date(),
      error: code,
    });
  }

  /** Runs the shadow version on a copy of the input after the response; its answers are only logged. */
  private shadow(model: ServingModel, route: Route, encoded: EncodedRows, rows: number, primaryIds: PredictionIds): void {
    const shadow = route.shadow!;
    if (this.shadowsInFlight >= MAX_SHADOWS_IN_FLIGHT) {
      this.shadowDropped.inc({ model: model.name });
      return;
    }
    this.shadowsInFlight++;
    setImmediate(() => {
      const start = performance.now();
      this.infer(model, shadow, encoded, rows)
        .then((decoded) => {
          this.log.append({
            ids: new PredictionIds(rows),
            model: model.name,
            version: shadow.version,
            route: PredictionRoute.SHADOW,
            alias: null,
            shadowOf: primaryIds,
            layout: model.logLayout,
            values: encoded.values,
            labels: decoded.labels,
            scores: decoded.scores,
            probabilities: decoded.probabilities,
            classCount: decoded.classCount,
            latencyMs: performance.now() - start,
            createdAt: new Date(),
          });
          this.rowsServed.inc({ model: model.name, version: String(shadow.version), route: PredictionRoute.SHADOW }, rows);
        })
        .catch((err: unknown) => {
          this.services.logger.warn({ err, model: model.name, version: shadow.version }, 'shadow prediction failed');
          this.recordFailure(model, shadow.version, PredictionRoute.SHADOW, null, err, performance.now() - start);
        })
        .finally(() => this.shadowsInFlight--);
    });
  }
}
