import { loadConfig, withSettings } from '@modelplane/core';
import { monitoringSettings } from '@modelplane/monitoring';
import { fullConfigTable } from './settings';

describe('the configuration reference', () => {
  it("lists the platform's settings and every subgraph's own, each once", () => {
    const table = fullConfigTable();
    for (const name of ['DATABASE_URL', 'PREDICTION_LOG_BUFFER', 'TRAINING_WORKER', 'PROMOTION_MIN_AUC_GAIN', 'MONITORING_POLL_MS']) {
      expect(table.split('\n').filter((row) => row.startsWith(`| \`${name}\` |`))).toHaveLength(1);
    }
  });

  it("reads a subgraph's settings from the environment the configuration came from, and refuses bad values with every problem", () => {
    const config = withSettings(loadConfig({ MONITORING_POLL_MS: '250' }), monitoringSettings);
    expect(config.MONITORING_POLL_MS).toBe(250);
    expect(config.MONITORING_WINDOW_SECONDS).toBe(3600);
    expect(() => withSettings(loadConfig({ MONITORING_POLL_MS: '1', MONITORING_DRIFT_SHARE: '2' }), monitoringSettings)).toThrow(
      /MONITORING_POLL_MS="1" must be an integer between 10 and 600000\n.*MONITORING_DRIFT_SHARE="2" must be a number in \(0, 1\]/,
    );
  });
});
