#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's ESM loader, registered for this process only.
import { register } from 'tsx/esm/api';

const unregister = register();
try {
  const { main } = await import('../gpu-backend/compress/cli/main.ts');
  process.exitCode = await main(process.argv.slice(2));
} finally {
  unregister();
}
