/**
 * Two Vitest projects under one `npx vitest run`:
 * - `node`: every `*.test.ts` outside test/workerd, in Node with the default pool.
 * - `workerd`: test/workerd, inside workerd through @cloudflare/vitest-pool-workers, with the
 *   gateway Worker (edge/worker.ts) as `main`, RESULT_CACHE=semantic, and its backends pointed at
 *   a loopback test double that test/workerd/global-setup.ts starts in Node.
 */

import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// Miniflare would otherwise download request.cf data, and wrangler would send usage metrics;
// tests reach only loopback.
process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';
process.env.WRANGLER_SEND_METRICS ??= 'false';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['**/*.test.ts'],
          exclude: ['**/node_modules/**', 'test/workerd/**', '.wrangler/**', 'dist/**'],
        },
      },
      {
        plugins: [
          cloudflareTest(({ inject }) => ({
            main: './edge/worker.ts',
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              // RESULT_CACHE=semantic puts the semantic tier, built from the tables that `npm test`
              // bundles first (scripts/build-edge-data.ts), in front of every workerd test.
              // ADMIN_TOKEN is pinned empty because wrangler also reads .dev.vars, where the README
              // has users put the dashboard's token. Tests that need a token set their own.
              bindings: { BACKENDS: inject('workerdTestBackends'), FIRST_BYTE_TIMEOUT_MS: '5000', LOG_LEVEL: 'error', RESULT_CACHE: 'semantic', ADMIN_TOKEN: '' },
            },
          })),
        ],
        test: {
          name: 'workerd',
          include: ['test/workerd/**/*.test.ts'],
          globalSetup: ['test/workerd/global-setup.ts'],
        },
      },
    ],
  },
});
