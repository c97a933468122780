// @modelplane/stats: statistics for data drift monitoring (named exports only).

export {
  chiSquareCdf,
  chiSquareSf,
  erf,
  erfc,
  kolmogorovCdf,
  kolmogorovSf,
  logGamma,
  normalCdf,
  normalSf,
  regularizedGammaP,
  regularizedGammaQ,
} from './special';
export { kolmogorovSmirnovCdfDurbin, kolmogorovSmirnovCdfPelzGood, kolmogorovSmirnovSf, smirnovSf } from './ks-distribution';
export {
  KS_EXACT_MAX_N,
  ks2Samp,
  ks2SampSorted,
  ksStatisticSorted,
  ksTwoSampleAsymptoticPValue,
  ksTwoSampleExactPValue,
  roundHalfEven,
  type KsMethod,
  type KsResult,
} from './ks-test';
export { chiSquareContingency, chiSquareHomogeneity, type ChiSquareResult } from './chi-square-test';
export {
  PSI_EMPTY_BIN_SHARE,
  WASSERSTEIN_MIN_NORM,
  jensenShannonDistance,
  normalizedWassersteinDistance,
  populationStabilityIndex,
  populationStabilityIndexOfSamples,
  wassersteinDistance,
  wassersteinDistanceSorted,
} from './distance';
export {
  alignCategoryCounts,
  categoryCounts,
  histogramCounts,
  quantileBinEdges,
  quantileBinEdgesSorted,
  type CategoryValue,
} from './binning';
export { latencyPercentiles, mean, quantile, quantileSorted, quantiles, std, variance, type LatencyPercentiles } from './descriptive';
export {
  DEFAULT_DRIFT_OPTIONS,
  detectDrift,
  type CategoricalColumn,
  type CategoricalProfile,
  type DatasetDrift,
  type DriftColumn,
  type DriftInput,
  type DriftMethod,
  type DriftOptions,
  type DriftReport,
  type FeatureDrift,
  type FeatureType,
  type NumericColumn,
  type NumericProfile,
} from './drift';
