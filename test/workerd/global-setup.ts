/**
 * Vitest global setup of the workerd project, run in Node: starts the loopback backend test
 * double and provides the BACKENDS JSON that vitest.config.ts binds into the Worker.
 */

import type { TestProject } from 'vitest/node';

import { findClosedPort } from '../e2e/closed-port.js';
import { startMockBackend } from '../e2e/mock-backend.js';
import { workerdTestBackends } from './backends.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const backend = await startMockBackend({ slowDelayMs: 3_000 });
  const closedPort = await findClosedPort();

  project.provide('workerdTestBackends', JSON.stringify(workerdTestBackends(backend.origin, closedPort)));
  project.provide('mockBackendOrigin', backend.origin);

  return () => backend.close();
}
