/**
 * Worker entry of the edge gateway (`wrangler dev`, `wrangler deploy`).
 *
 * The app is built when the module loads, from the bindings in `cloudflare:workers`, so an invalid
 * `[vars]` configuration stops the Worker at startup with the list of problems instead of
 * failing on each request.
 */

import { env } from 'cloudflare:workers';

import { createGateway } from '../src/gateway/create-gateway.js';
import { readGatewaySettings } from '../src/gateway/settings.js';
import { createJsonLogger } from '../src/log/logger.js';
import type { GatewayBindings } from './bindings.js';

const settings = readGatewaySettings(env satisfies GatewayBindings);
const logger = createJsonLogger({ level: settings.logLevel, bindings: { service: 'gateway' } });
const app = createGateway({ ...settings, logger });

export default {
  fetch: (request, bindings, context) => app.fetch(request, bindings, context),
} satisfies ExportedHandler<GatewayBindings>;
