import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import type * as reports from '../analysis/reports';
import { DriftFeatureType, DriftMethod, DriftReferenceSource } from '../analysis/reports';

registerEnumType(DriftMethod, {
  name: 'DriftMethod',
  description: 'Tests (KS, CHI_SQUARE) drift when p < threshold; distances drift when statistic >= threshold',
  valuesConfig: {
    KS: { description: 'Two-sample Kolmogorov–Smirnov test (numeric, small reference)' },
    CHI_SQUARE: { description: 'Chi-square test of homogeneity (categorical or few distinct values, small reference)' },
    WASSERSTEIN_NORMED: { description: 'Wasserstein distance divided by the reference standard deviation (numeric, large reference)' },
    PSI: { description: 'Population stability index on reference quantile bins (numeric, large reference)' },
    JENSEN_SHANNON: { description: 'Jensen–Shannon distance (categorical, large reference)' },
  },
});

registerEnumType(DriftReferenceSource, {
  name: 'DriftReferenceSource',
  valuesConfig: {
    PROFILE: { description: "The version's reference profile (its training data) from the experiments subgraph" },
    BASELINE: { description: 'The first MONITORING_BASELINE_ROWS logged predictions of the version (no profile exists)' },
    NONE: { description: 'No reference yet: no profile and the baseline is still filling' },
  },
});

registerEnumType(DriftFeatureType, { name: 'DriftFeatureType' });

@ObjectType({ description: 'Drift of one feature (or of the model output) between the reference and the window' })
export class FeatureDrift implements reports.FeatureDrift {
  @Field()
  feature!: string;

  @Field(() => DriftFeatureType)
  type!: DriftFeatureType;

  @Field(() => DriftMethod)
  method!: DriftMethod;

  @Field(() => Float, { nullable: true, description: 'KS D, chi-square statistic or the distance; null without enough data' })
  statistic!: number | null;

  @Field(() => Float, { nullable: true, description: 'Tests only' })
  pValue!: number | null;

  @Field(() => Float, { description: 'Alpha after the Bonferroni correction for tests, the distance threshold otherwise' })
  threshold!: number;

  @Field()
  drifted!: boolean;

  @Field(() => Int, { description: 'Non-missing values in the window' })
  sampleSize!: number;

  @Field(() => Int, { description: 'Non-missing reference values' })
  referenceSize!: number;

  @Field()
  insufficientData!: boolean;
}

@ObjectType({ description: 'Data drift of a model version over a window, against its reference (Evidently-style)' })
export class DriftReport implements reports.DriftReport {
  @Field({ description: 'Model name' })
  model!: string;

  @Field(() => Int, { nullable: true, description: 'The version examined: the argument, else the production version' })
  version!: number | null;

  @Field(() => DriftReferenceSource)
  reference!: DriftReferenceSource;

  @Field(() => Int, { description: 'Rows the reference summarises' })
  referenceSize!: number;

  @Field(() => Int)
  windowSeconds!: number;

  @Field(() => Int, { description: 'Predictions in the window' })
  sampleSize!: number;

  @Field({ description: 'share >= driftShareThreshold; never true with insufficient data' })
  drifted!: boolean;

  @Field(() => Float, { description: 'Drifted features / features' })
  share!: number;

  @Field(() => Int)
  driftedCount!: number;

  @Field(() => Int)
  featureCount!: number;

  @Field(() => Float)
  driftShareThreshold!: number;

  @Field({ description: 'Too little data for a verdict (see reason); no feature is called drifted' })
  insufficientData!: boolean;

  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => [FeatureDrift])
  features!: FeatureDrift[];

  @Field(() => FeatureDrift, {
    nullable: true,
    description: 'Drift of the model output (score, or class for multiclass), judged on its own',
  })
  prediction!: FeatureDrift | null;

  @Field()
  computedAt!: Date;
}
