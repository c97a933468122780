import { PRODUCTION_ALIAS } from '@modelplane/core';
import type { PromotionRecord } from '../entities/run.entity';

/** Where a version that did not pass the promotion gate is pointed, so the decision is a model event too. */
export const CHALLENGER_ALIAS = 'challenger';

export interface PromotionCase {
  candidateVersion: number;
  /** The candidate's ROC AUC on the held-out rows. */
  candidateRocAuc: number;
  /** The model's production version now, if it has one. */
  productionVersion: number | null;
  /**
   * The production version's ROC AUC on the same held-out rows (its own ONNX scored), or why it
   * could not be scored; null when there is nothing to score (no production version, or it is
   * the candidate).
   */
  productionScore: number | { error: string } | null;
  /** The experiment's policy: the least ROC AUC gain that promotes, and whether promotion is automatic. */
  minImprovement: number;
  autoPromote: boolean;
}

/**
 * The promotion gate: a first version is promoted when promotion is automatic; a later one only
 * if it beats production's ROC AUC on the same rows by the experiment's margin. Pure: the run
 * executor scores, records and moves the alias.
 */
export function decidePromotion(c: PromotionCase): PromotionRecord {
  const decision: PromotionRecord = {
    promoted: false,
    reason: '',
    candidateVersion: c.candidateVersion,
    candidateRocAuc: c.candidateRocAuc,
    productionVersion: c.productionVersion,
    productionRocAuc: null,
    minImprovement: c.minImprovement,
    autoPromote: c.autoPromote,
  };
  if (c.productionVersion === c.candidateVersion) {
    decision.promoted = true;
    decision.reason = `version ${c.candidateVersion} is already in production`;
  } else if (c.productionVersion === null) {
    decision.promoted = c.autoPromote;
    decision.reason = c.autoPromote
      ? `first production version (test ROC AUC ${c.candidateRocAuc.toFixed(4)})`
      : 'no production version, but automatic promotion is off for this model';
  } else if (typeof c.productionScore !== 'number') {
    const why = c.productionScore?.error ?? 'no score';
    decision.reason = `production version ${c.productionVersion} could not be scored on the held-out rows (${why}); kept as a candidate`;
  } else {
    decision.productionRocAuc = c.productionScore;
    const gain = c.candidateRocAuc - c.productionScore;
    const comparison = `test ROC AUC ${c.candidateRocAuc.toFixed(4)} vs production v${c.productionVersion} ${c.productionScore.toFixed(4)} (gain ${gain >= 0 ? '+' : ''}${gain.toFixed(4)}, required ${c.minImprovement})`;
    if (!c.autoPromote) decision.reason = `${comparison}; automatic promotion is off for this model`;
    else if (gain >= c.minImprovement) {
      decision.promoted = true;
      decision.reason = comparison;
    } else decision.reason = `${comparison}; not enough improvement`;
  }
  return decision;
}

/** The alias a decided version gets (none when it already is production). */
export function aliasFor(decision: PromotionRecord): string | null {
  if (decision.productionVersion === decision.candidateVersion) return null;
  return decision.promoted ? PRODUCTION_ALIAS : CHALLENGER_ALIAS;
}
