/** Warns, at registration and after each ingest, when a model's monitoring window cannot see enough rows. */
import type { ModelConfig } from '../config';
import type { Db } from '../store/db';
import { newestEventTimes } from '../store/feature-store';
import { CADENCE_SAMPLE_ROWS, estimateCadence, windowAdvice } from './cadence';

export async function monitoringWindowWarnings(db: Db, config: ModelConfig): Promise<string[]> {
  if (config.monitoring.window.kind !== 'duration') return [];
  const cadence = estimateCadence(await newestEventTimes(db, config.model, CADENCE_SAMPLE_ROWS));
  const advice = cadence ? windowAdvice(config.monitoring.window, config.monitoring.minRows, cadence) : null;
  return advice ? [advice.message] : [];
}
