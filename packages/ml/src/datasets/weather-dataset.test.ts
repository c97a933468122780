import {
  RAIN_TOMORROW_FEATURE_NAMES,
  buildRainTomorrowRows,
  dayOfYearEncoding,
  loadRainTomorrowDataset,
  loadRainTomorrowSplit,
  loadWeatherObservations,
  nextDay,
  parseWeatherCsv,
  rowsInYears,
  toMatrix,
} from './weather-dataset';

describe('weather observations from vega-datasets', () => {
  it('loads the 1461 Seattle days of 2012–2015 in date order', () => {
    const days = loadWeatherObservations('Seattle');
    expect(days).toHaveLength(1461);
    expect(days[0]).toEqual({ date: '2012-01-01', precipitation: 0, tempMax: 12.8, tempMin: 5, wind: 4.7, weather: 'drizzle' });
    expect(days[1460].date).toBe('2015-12-31');
  });

  it('finds the same Seattle days in weather.csv as in seattle-weather.csv', () => {
    const fromSeattleFile = loadWeatherObservations('Seattle');
    const fromCombined = parseWeatherCsv(
      'location,date,precipitation,temp_max,temp_min,wind,weather\n' +
        'Seattle,2012-01-02,10.9,10.6,2.8,4.5,rain\nNew York,2012-01-02,0.0,10.0,0.6,8.7,sun\n',
      'Seattle',
    );
    expect(fromCombined).toEqual([fromSeattleFile[1]]);
  });

  it('loads New York as a different population', () => {
    const ny = loadWeatherObservations('New York');
    expect(ny).toHaveLength(1461);
    expect(ny[0]).toMatchObject({ date: '2012-01-01', precipitation: 1.8, tempMax: 10, tempMin: 3.3, wind: 5.1 });
  });

  it('rejects non-numeric measurements', () => {
    expect(() => parseWeatherCsv('date,precipitation,temp_max,temp_min,wind,weather\n2012-01-01,,1,1,1,sun\n')).toThrow(
      'line 2: precipitation is not a number',
    );
  });
});

describe('rain-tomorrow rows', () => {
  it('takes features from day t and the label from day t+1 only', () => {
    const days = loadWeatherObservations('Seattle');
    const rows = buildRainTomorrowRows(days);
    expect(rows).toHaveLength(1460);
    rows.forEach((row, i) => {
      expect(row.date).toBe(days[i].date);
      expect(row.features.slice(0, 4)).toEqual([days[i].precipitation, days[i].tempMax, days[i].tempMin, days[i].wind]);
      expect(row.label).toBe(days[i + 1].precipitation > 0 ? 1 : 0);
    });
    // 2012-01-01 was dry (0 mm) and 2012-01-02 wet (10.9 mm).
    expect(rows[0]).toMatchObject({ date: '2012-01-01', label: 1 });
    expect(rows[0].features[0]).toBe(0);
  });

  it('drops days whose next calendar day is missing instead of pairing across a gap', () => {
    const day = (date: string, precipitation: number) => ({ date, precipitation, tempMax: 10, tempMin: 5, wind: 2, weather: 'x' });
    const rows = buildRainTomorrowRows([day('2013-03-01', 0), day('2013-03-02', 1), day('2013-03-04', 3), day('2013-03-05', 0)]);
    expect(rows.map((r) => [r.date, r.label])).toEqual([
      ['2013-03-01', 1],
      ['2013-03-04', 0],
    ]);
  });

  it('encodes the season as the day of year on the unit circle, leap years included', () => {
    expect(dayOfYearEncoding('2013-01-01')).toEqual([0, 1]);
    const [sin, cos] = dayOfYearEncoding('2013-07-02'); // day 183 of 365: angle 2π·182/365
    expect(sin).toBeCloseTo(Math.sin((2 * Math.PI * 182) / 365), 12);
    expect(cos).toBeCloseTo(Math.cos((2 * Math.PI * 182) / 365), 12);
    expect(dayOfYearEncoding('2012-12-31')[0]).toBeCloseTo(Math.sin((2 * Math.PI * 365) / 366), 12);
    expect(nextDay('2012-02-28')).toBe('2012-02-29');
    expect(nextDay('2014-12-31')).toBe('2015-01-01');
  });
});

describe('chronological split', () => {
  it('trains on 2012–2014 and tests on 2015 without rows whose label crosses the boundary', () => {
    const { train, test } = loadRainTomorrowSplit('Seattle');
    expect(train.featureNames).toEqual(RAIN_TOMORROW_FEATURE_NAMES);
    expect(train.rows).toHaveLength(1095);
    expect(train.rows[0].date).toBe('2012-01-01');
    expect(train.rows[train.rows.length - 1].date).toBe('2014-12-30');
    expect(test.rows).toHaveLength(364);
    expect(test.rows[0].date).toBe('2015-01-01');
    expect(test.rows[test.rows.length - 1].date).toBe('2015-12-30');
    expect(train.name).toBe('rain-tomorrow/seattle/train-2012-2014');
  });

  it('gives New York the same features with a different rain rate', () => {
    const seattle = toMatrix(loadRainTomorrowSplit('Seattle').train.rows);
    const ny = loadRainTomorrowSplit('New York');
    expect(ny.train.name).toBe('rain-tomorrow/new-york/train-2012-2014');
    const nyTrain = toMatrix(ny.train.rows);
    const rate = (y: Uint8Array) => y.reduce((s, v) => s + v, 0) / y.length;
    expect(nyTrain.X[0]).toHaveLength(6);
    expect(Math.abs(rate(seattle.y) - rate(nyTrain.y))).toBeGreaterThan(0.05);
  });

  it('offers all rows and custom year ranges', () => {
    const all = loadRainTomorrowDataset('Seattle');
    expect(all.rows).toHaveLength(1460);
    expect(rowsInYears(all.rows, { from: 2013, to: 2013 })).toHaveLength(364);
  });
});
