import { PredictionIds } from './prediction-ids';

describe('PredictionIds', () => {
  it('makes distinct time-ordered (version 7) UUIDs and finds exactly its own', () => {
    const now = Date.UTC(2026, 10, 22, 3, 0, 0, 123);
    const ids = new PredictionIds(1000, now);
    const strings = Array.from({ length: ids.length }, (_, i) => ids.at(i));
    for (const s of strings) expect(s).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(parseInt(strings[0]!.replace(/-/g, '').slice(0, 12), 16)).toBe(now);
    expect(new PredictionIds(1, now + 1).at(0) > strings[999]!).toBe(true);
    expect(new Set(strings).size).toBe(1000);
    expect(ids.includes(strings[0]!)).toBe(true);
    expect(ids.includes(strings[999]!.toUpperCase())).toBe(true);
    expect(ids.includes(new PredictionIds(1).at(0))).toBe(false);
    expect(ids.includes('not-a-uuid')).toBe(false);
    // Bytes straddling two ids are not an id.
    const straddle = ids.bytes.subarray(8, 24).toString('hex');
    expect(
      ids.includes(
        `${straddle.slice(0, 8)}-${straddle.slice(8, 12)}-${straddle.slice(12, 16)}-${straddle.slice(16, 20)}-${straddle.slice(20)}`,
      ),
    ).toBe(false);
  });
});
