import { BadUserInputError, ConflictError, NotFoundError, OPERATOR, type RequestContext, isUuid } from '@modelplane/core';
import { Arg, Args, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Feedback } from '../entities/feedback.entity';
import { PredictionLog } from '../entities/prediction-log.entity';
import { probabilitiesAt } from '@modelplane/inference';
import type { ServedBatch } from '../serving/predictor';
import type { PredictionRuntime } from '../prediction.runtime';
import { PredictArgs, PredictBatchArgs } from '../types/predict.args';
import { Prediction } from '../types/prediction.type';

/**
 * One row of a served batch as the GraphQL `Prediction`: fields are read lazily from the
 * columnar batch, so a 10 000-row predictBatch builds only what the client selected.
 */
class PredictionView {
  constructor(
    private readonly batch: ServedBatch,
    private readonly row: number,
  ) {}
  get id(): string {
    return this.batch.ids.at(this.row);
  }
  get model(): { name: string } {
    return { name: this.batch.modelName };
  }
  get modelVersion(): { modelName: string; version: number } {
    return { modelName: this.batch.modelName, version: this.batch.version };
  }
  get version(): number {
    return this.batch.version;
  }
  get route(): string {
    return this.batch.route;
  }
  get label(): string | null {
    return this.batch.decoded.labels[this.row]!;
  }
  get score(): number {
    return this.batch.decoded.scores[this.row]!;
  }
  get probabilities() {
    return probabilitiesAt(this.batch.decoded, this.row);
  }
  get value(): number | null {
    return this.batch.decoded.regression ? this.batch.decoded.scores[this.row]! : null;
  }
  get latencyMs(): number {
    return this.batch.latencyMs;
  }
}

const views = (batch: ServedBatch): Prediction[] => {
  const out: Prediction[] = new Array(batch.ids.length);
  for (let i = 0; i < out.length; i++) out[i] = new PredictionView(batch, i) as unknown as Prediction;
  return out;
};

@Resolver(() => Prediction)
export class PredictionResolver {
  private readonly services: PredictionRuntime['services'];

  constructor(private readonly runtime: PredictionRuntime) {
    this.services = runtime.services;
  }

  @Authorized(OPERATOR)
  @Query(() => Prediction, {
    description:
      'Predicts one row with the production version (or the given version or alias). Needs the operator role although it is a query: it writes the prediction log',
  })
  async predict(@Args() args: PredictArgs): Promise<Prediction> {
    return views(await this.runtime.predictor.predict(args.model, [args.features], args))[0]!;
  }

  @Authorized(OPERATOR)
  @Query(() => [Prediction], {
    description: 'Predicts many rows in one call, in order. Needs the operator role (it writes the prediction log); costs one unit per row',
  })
  async predictBatch(@Args() args: PredictBatchArgs): Promise<Prediction[]> {
    return views(await this.runtime.predictor.predict(args.model, args.rows, args));
  }

  @Authorized(OPERATOR)
  @Mutation(() => Feedback, { description: 'Records the true outcome of a prediction; repeating the same call is harmless' })
  async recordFeedback(
    @Arg('predictionId', () => ID) predictionId: string,
    @Arg('actual') actual: string,
    @Ctx() ctx: RequestContext,
  ): Promise<Feedback> {
    if (!isUuid(predictionId)) throw new BadUserInputError('predictionId is not a prediction id', { argument: 'predictionId' });
    if (actual.length > 1000) throw new BadUserInputError('actual is longer than 1000 characters', { argument: 'actual' });
    const prediction = await this.findPrediction(predictionId);
    if (!prediction) throw new NotFoundError(`no prediction ${predictionId}`, { predictionId });
    const model = await this.runtime.catalog.get(prediction.modelName);
    if (model.schema.task === 'REGRESSION') {
      if (!Number.isFinite(Number(actual)) || actual.trim() === '')
        throw new BadUserInputError('actual must be a number for a regression model', { argument: 'actual' });
    } else {
      const labels = model.labels ?? model.versions.get(prediction.version)?.signature.classCount;
      const known = Array.isArray(labels) ? labels : Array.from({ length: labels ?? 2 }, (_, i) => String(i));
      if (!known.includes(actual))
        throw new BadUserInputError(`actual must be one of the model's labels: ${known.join(', ')}`, { argument: 'actual' });
    }
    const repo = this.services.db.getRepository(Feedback);
    await repo
      .createQueryBuilder()
      .insert()
      .values({ predictionId, modelName: prediction.modelName, actual, createdBy: ctx.identity.subject })
      .orIgnore()
      .execute();
    const stored = await repo.findOneByOrFail({ predictionId });
    if (stored.actual !== actual) {
      throw new ConflictError(`feedback for ${predictionId} is already recorded as ${JSON.stringify(stored.actual)}`, { predictionId });
    }
    return stored;
  }

  /**
   * The prediction may still sit in a replica's log buffer (this one's or another's), so look in
   * the database, then once more after a flush interval.
   */
  private async findPrediction(id: string): Promise<{ modelName: string; version: number } | null> {
    const repo = this.services.db.getRepository(PredictionLog);
    const lookup = () => repo.findOne({ where: { id }, select: { modelName: true, version: true } });
    const found = await lookup();
    if (found) return found;
    if (this.runtime.log.isBuffered(id)) await this.runtime.log.flush();
    else await new Promise((r) => setTimeout(r, this.services.config.PREDICTION_LOG_FLUSH_MS * 3));
    return lookup();
  }
}
