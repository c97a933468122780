import { batchLoader } from './batch-loader';

describe('batchLoader', () => {
  it('loads the keys asked for in one tick with one call', async () => {
    const calls: string[][] = [];
    const load = batchLoader(async (keys: string[]) => {
      calls.push(keys);
      return new Map(keys.filter((k) => k !== 'missing').map((k) => [k, k.toUpperCase()]));
    });
    const results = await Promise.all([load('a'), load('b'), load('a'), load('missing')]);
    expect(results).toEqual(['A', 'B', 'A', null]);
    expect(calls).toEqual([['a', 'b', 'missing']]);
    expect(await load('c')).toBe('C');
    expect(calls).toHaveLength(2);
  });

  it('rejects every waiter of a failed batch', async () => {
    const load = batchLoader(async (): Promise<Map<string, string>> => {
      throw new Error('db down');
    });
    await expect(Promise.all([load('a'), load('b')])).rejects.toThrow('db down');
  });
});
