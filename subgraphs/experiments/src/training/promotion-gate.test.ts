import { aliasFor, decidePromotion, type PromotionCase } from './promotion-gate';

const base: PromotionCase = {
  candidateVersion: 3,
  candidateRocAuc: 0.8,
  productionVersion: 2,
  productionScore: 0.78,
  minImprovement: 0.01,
  autoPromote: true,
};

describe('the promotion gate', () => {
  it('promotes a candidate that beats production by the margin, and points production at it', () => {
    const d = decidePromotion(base);
    expect(d).toMatchObject({ promoted: true, productionRocAuc: 0.78, candidateVersion: 3, productionVersion: 2 });
    expect(d.reason).toBe('test ROC AUC 0.8000 vs production v2 0.7800 (gain +0.0200, required 0.01)');
    expect(aliasFor(d)).toBe('production');
  });

  it('keeps a candidate that does not gain enough, or when automatic promotion is off, as the challenger', () => {
    const small = decidePromotion({ ...base, productionScore: 0.795 });
    expect(small.promoted).toBe(false);
    expect(small.reason).toMatch(/; not enough improvement$/);
    expect(aliasFor(small)).toBe('challenger');
    const off = decidePromotion({ ...base, autoPromote: false });
    expect(off.promoted).toBe(false);
    expect(off.reason).toMatch(/; automatic promotion is off for this model$/);
  });

  it('promotes a first version only when promotion is automatic', () => {
    expect(decidePromotion({ ...base, productionVersion: null, productionScore: null })).toMatchObject({
      promoted: true,
      reason: 'first production version (test ROC AUC 0.8000)',
    });
    expect(decidePromotion({ ...base, productionVersion: null, productionScore: null, autoPromote: false }).promoted).toBe(false);
  });

  it('keeps a candidate when production cannot be scored, and moves nothing when it already is production', () => {
    const unscored = decidePromotion({ ...base, productionScore: { error: 'artifact unavailable' } });
    expect(unscored).toMatchObject({ promoted: false, productionRocAuc: null });
    expect(unscored.reason).toBe(
      'production version 2 could not be scored on the held-out rows (artifact unavailable); kept as a candidate',
    );
    const same = decidePromotion({ ...base, productionVersion: 3, productionScore: null });
    expect(same).toMatchObject({ promoted: true, reason: 'version 3 is already in production' });
    expect(aliasFor(same)).toBeNull();
  });
});
