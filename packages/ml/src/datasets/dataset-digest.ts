import { canonicalJson, sha256Hex } from '../canonical-json';
import type { DatasetRow } from './weather-dataset';

/**
 * Content digest of a dataset: sha256 (hex) of the canonical JSON of its feature names and rows in
 * order. The dataset's name is not part of it, so identical content always has the same digest.
 */
export function datasetDigest(dataset: { featureNames: readonly string[]; rows: readonly DatasetRow[] }): string {
  return sha256Hex(
    canonicalJson({
      featureNames: dataset.featureNames,
      rows: dataset.rows.map((r) => ({ date: r.date, features: r.features, label: r.label })),
    }),
  );
}
