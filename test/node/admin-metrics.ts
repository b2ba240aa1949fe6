/**
 * Reads the Node gateway's admin metrics over HTTP, for tests that start a gateway with an
 * ADMIN_TOKEN and check what its metrics middleware recorded.
 */

import type { WindowSummary } from '../../src/metrics/window-summary.js';

export interface AdminMetricsClient {
  /** Sends a GET for `path` (starting with `/`) with the admin bearer token. */
  get(path: string): Promise<Response>;
  /**
   * Polls the five-minute window summary until `predicate` holds, because records are written
   * after each body ends. Gives up after 100 attempts 20 ms apart (about 2 s plus request time).
   */
  summaryWhen(predicate: (summary: WindowSummary) => boolean): Promise<WindowSummary>;
}

/** Creates a client for the gateway at `gatewayURL()`, which is read at each call so the gateway may start in `beforeAll`. */
export function adminMetricsClient(gatewayURL: () => string, adminToken: string): AdminMetricsClient {
  const get = (path: string): Promise<Response> => fetch(`${gatewayURL()}${path}`, { headers: { authorization: `Bearer ${adminToken}` } });

  return {
    get,
    async summaryWhen(predicate) {
      for (let attempt = 0; attempt < 100; attempt++) {
        const summary = (await (await get('/admin/metrics?window=5m')).json()) as WindowSummary;
        if (predicate(summary)) return summary;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error('The metrics never reached the expected state.');
    },
  };
}
