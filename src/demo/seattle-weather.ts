/**
 * The demo's data: the real daily Seattle weather table that the vega-datasets package ships
 * (2012-2015), with the label `rain` derived and, from a given date on, a simulated upstream change:
 * the station feed starts reporting temperatures in °F instead of °C.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCsv } from '../ingest/csv';

export type WeatherRow = Record<string, string | number>;

export function loadSeattleWeather(): WeatherRow[] {
  // The package's "exports" expose only its JS entry point, so the CSV is found next to it.
  const packageRoot = path.dirname(path.dirname(require.resolve('vega-datasets')));
  const csv = readFileSync(path.join(packageRoot, 'data', 'seattle-weather.csv'), 'utf8');
  return parseCsv(csv).map((row) => ({
    date: row.date!,
    temp_max: Number(row.temp_max),
    temp_min: Number(row.temp_min),
    wind: Number(row.wind),
    // precipitation and weather define the label, so they are not features (see the config).
    rain: row.weather === 'rain' || Number(row.precipitation) > 0 ? 1 : 0,
  }));
}

const celsiusToFahrenheit = (celsius: number): number => Math.round(((celsius * 9) / 5 + 32) * 10) / 10;

/** Rows on or after `from` report temperatures in °F: covariate drift a retrained model can absorb. */
export function withFahrenheitFeedFrom(rows: WeatherRow[], from: string): WeatherRow[] {
  return rows.map((row) =>
    String(row.date) >= from
      ? { ...row, temp_max: celsiusToFahrenheit(Number(row.temp_max)), temp_min: celsiusToFahrenheit(Number(row.temp_min)) }
      : row,
  );
}

export function rowsBetween(rows: WeatherRow[], from: string, toExclusive: string): WeatherRow[] {
  return rows.filter((row) => String(row.date) >= from && String(row.date) < toExclusive);
}
