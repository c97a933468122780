/** The input schema of a model as the registry stores it, and the task its outputs answer. */
export type ModelTaskName = 'BINARY_CLASSIFICATION' | 'MULTICLASS_CLASSIFICATION' | 'REGRESSION';

export interface FeatureSpec {
  name: string;
  type: 'NUMERIC' | 'CATEGORICAL';
  /** CATEGORICAL only: the values the model knows; a value is sent as its 0-based index here. */
  categories?: string[] | null;
}

export interface ModelSchema {
  task: ModelTaskName;
  features: FeatureSpec[];
  labels: string[] | null;
}

/** What the registry records about an artifact's inputs and outputs once it has loaded it. */
export interface ModelSignature {
  inputName: string;
  inputType: 'float32' | 'float64';
  featureCount: number;
  /** Name of the [N, K] probability tensor (classification). */
  probabilitiesOutput: string | null;
  /** Name of the predicted value tensor (regression). */
  valueOutput: string | null;
  classCount: number | null;
}

/** The class labels a classifier's probability columns stand for. */
export function classLabels(schema: ModelSchema, classCount: number): string[] {
  return schema.labels ?? Array.from({ length: classCount }, (_, i) => String(i));
}
