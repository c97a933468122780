import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseCsv } from './csv';

/**
 * The "rain tomorrow" task built from the daily weather CSVs shipped by the npm package
 * vega-datasets (BSD-3-Clause): `seattle-weather.csv` (Seattle 2012–2015) and `weather.csv`
 * (the same Seattle days plus New York, used as a naturally drifted population).
 *
 * Label: 1 when the NEXT day has measurable precipitation (precipitation > 0 mm), else 0.
 * The `weather` column is not used for the label: in the Seattle file "rain" days include 44 with
 * 0 mm, all "drizzle" days have 0 mm and "snow" days are wet, so the categorical column is a noisy
 * restatement of precipitation. "Wet tomorrow" is the honest, well-defined target.
 *
 * Features come only from day t, the label only from day t+1 (no leakage): precipitation, temp_max,
 * temp_min, wind, and the season as the day of year on the unit circle (sin, cos), which is
 * continuous across New Year unlike a month number.
 */

export type WeatherLocation = 'Seattle' | 'New York';

/** One day of weather as it appears in the CSV files. */
export interface WeatherObservation {
  date: string;
  precipitation: number;
  tempMax: number;
  tempMin: number;
  wind: number;
  weather: string;
}

/** One labelled example: features of day `date`, label about the day after. */
export interface DatasetRow {
  features: number[];
  label: 0 | 1;
  date: string;
}

export interface Dataset {
  name: string;
  featureNames: readonly string[];
  rows: DatasetRow[];
}

/** Feature order of every rain-tomorrow row. */
export const RAIN_TOMORROW_FEATURE_NAMES: readonly string[] = Object.freeze([
  'precipitation',
  'temp_max',
  'temp_min',
  'wind',
  'day_of_year_sin',
  'day_of_year_cos',
]);

export const RAIN_TOMORROW_LABEL_DEFINITION = 'precipitation on the next day > 0 mm';

export interface WeatherDataOptions {
  /** Directory holding the CSV files; defaults to the installed vega-datasets package's data/. */
  dataDir?: string;
}

export interface YearRange {
  from: number;
  to: number;
}

export interface RainTomorrowSplitOptions extends WeatherDataOptions {
  /** Inclusive years of the training split (default 2012–2014). */
  trainYears?: YearRange;
  /** Inclusive years of the test split (default 2015). */
  testYears?: YearRange;
}

export interface RainTomorrowSplit {
  train: Dataset;
  test: Dataset;
}

/** The data/ directory of the installed vega-datasets package. */
export function vegaDatasetsDataDir(): string {
  // The package's `exports` only exposes its entry point, so resolve that and walk up.
  const entry = require.resolve('vega-datasets');
  return join(dirname(entry), '..', 'data');
}

function toNumber(value: string | undefined, column: string, line: number): number {
  const n = value === undefined || value.trim() === '' ? NaN : Number(value);
  if (!Number.isFinite(n)) throw new Error(`weather CSV line ${line}: ${column} is not a number (${JSON.stringify(value)})`);
  return n;
}

/**
 * Parses either weather CSV. With `location` the file must have a `location` column and only
 * those rows are kept; rows come back sorted by date.
 */
export function parseWeatherCsv(text: string, location?: WeatherLocation): WeatherObservation[] {
  const records = parseCsv(text);
  const observations: WeatherObservation[] = [];
  records.forEach((r, i) => {
    if (location !== undefined && r.location !== location) return;
    const line = i + 2;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(r.date ?? '')) throw new Error(`weather CSV line ${line}: bad date ${JSON.stringify(r.date)}`);
    observations.push({
      date: r.date,
      precipitation: toNumber(r.precipitation, 'precipitation', line),
      tempMax: toNumber(r.temp_max, 'temp_max', line),
      tempMin: toNumber(r.temp_min, 'temp_min', line),
      wind: toNumber(r.wind, 'wind', line),
      weather: r.weather ?? '',
    });
  });
  return observations.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}

/** Daily observations for a location: Seattle from seattle-weather.csv, New York from weather.csv. */
export function loadWeatherObservations(location: WeatherLocation, options: WeatherDataOptions = {}): WeatherObservation[] {
  const dir = options.dataDir ?? vegaDatasetsDataDir();
  if (location === 'Seattle') return parseWeatherCsv(readFileSync(join(dir, 'seattle-weather.csv'), 'utf8'));
  return parseWeatherCsv(readFileSync(join(dir, 'weather.csv'), 'utf8'), location);
}

const DAY_MS = 86_400_000;

function utcDay(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10)));
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The calendar day after `date` (YYYY-MM-DD). */
export function nextDay(date: string): string {
  return isoDate(utcDay(date) + DAY_MS);
}

/** Season as a point on the unit circle: day 1 of every year maps to angle 0. */
export function dayOfYearEncoding(date: string): [sin: number, cos: number] {
  const year = Number(date.slice(0, 4));
  const start = Date.UTC(year, 0, 1);
  const daysInYear = (Date.UTC(year + 1, 0, 1) - start) / DAY_MS;
  const angle = (2 * Math.PI * Math.round((utcDay(date) - start) / DAY_MS)) / daysInYear;
  return [Math.sin(angle), Math.cos(angle)];
}

/** Features of one day, in RAIN_TOMORROW_FEATURE_NAMES order. */
export function rainTomorrowFeatures(day: WeatherObservation): number[] {
  const [sin, cos] = dayOfYearEncoding(day.date);
  return [day.precipitation, day.tempMax, day.tempMin, day.wind, sin, cos];
}

/**
 * Pairs each day with the following calendar day. Days whose next day is missing from the data
 * (the last day, or gaps) produce no row, so a label never comes from a later, non-adjacent day.
 */
export function buildRainTomorrowRows(observations: readonly WeatherObservation[]): DatasetRow[] {
  const byDate = new Map(observations.map((o) => [o.date, o]));
  const rows: DatasetRow[] = [];
  for (const today of observations) {
    const tomorrow = byDate.get(nextDay(today.date));
    if (!tomorrow) continue;
    rows.push({ features: rainTomorrowFeatures(today), label: tomorrow.precipitation > 0 ? 1 : 0, date: today.date });
  }
  return rows;
}

function inYears(date: string, years: YearRange): boolean {
  const year = Number(date.slice(0, 4));
  return year >= years.from && year <= years.to;
}

/**
 * Rows whose feature day AND label day both fall in `years`. This drops the boundary row (e.g.
 * 2014-12-31 whose label is a 2015 fact) so no test-period information reaches training.
 */
export function rowsInYears(rows: readonly DatasetRow[], years: YearRange): DatasetRow[] {
  return rows.filter((r) => inYears(r.date, years) && inYears(nextDay(r.date), years));
}

/** Chronological train/test split of the rain-tomorrow task for one location. */
export function loadRainTomorrowSplit(location: WeatherLocation = 'Seattle', options: RainTomorrowSplitOptions = {}): RainTomorrowSplit {
  const trainYears = options.trainYears ?? { from: 2012, to: 2014 };
  const testYears = options.testYears ?? { from: 2015, to: 2015 };
  const rows = buildRainTomorrowRows(loadWeatherObservations(location, options));
  const slug = location.toLowerCase().replace(/\s+/g, '-');
  const dataset = (split: string, years: YearRange): Dataset => ({
    name: `rain-tomorrow/${slug}/${split}-${years.from}-${years.to}`,
    featureNames: RAIN_TOMORROW_FEATURE_NAMES,
    rows: rowsInYears(rows, years),
  });
  return { train: dataset('train', trainYears), test: dataset('test', testYears) };
}

/** Every rain-tomorrow row of a location (2012-01-01 … 2015-12-30). */
export function loadRainTomorrowDataset(location: WeatherLocation = 'Seattle', options: WeatherDataOptions = {}): Dataset {
  return {
    name: `rain-tomorrow/${location.toLowerCase().replace(/\s+/g, '-')}/all`,
    featureNames: RAIN_TOMORROW_FEATURE_NAMES,
    rows: buildRainTomorrowRows(loadWeatherObservations(location, options)),
  };
}

/** Row-major feature matrix and label vector, the shape the trainers take. */
export function toMatrix(rows: readonly DatasetRow[]): { X: number[][]; y: Uint8Array } {
  return { X: rows.map((r) => r.features.slice()), y: Uint8Array.from(rows, (r) => r.label) };
}
