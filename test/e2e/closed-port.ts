import { createServer } from 'node:net';

/**
 * Returns a loopback port that nothing listens on: the OS assigns it to a probe server, which
 * closes at once. Another process could take the port in between, which is unlikely in a test.
 */
export async function findClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('The probe server has no TCP address.');
  return address.port;
}
