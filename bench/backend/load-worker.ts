/**
 * Worker-thread entry that runs one {@link runLoad} and posts its result, so that the load
 * client's HTTP parsing does not share the server's JavaScript thread.
 */

import { parentPort, workerData } from 'node:worker_threads';

import { runLoad, type LoadOptions } from './load.js';

const result = await runLoad(workerData as LoadOptions);
parentPort!.postMessage(result);
