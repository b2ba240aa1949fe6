// Types `env` and `exports` from `cloudflare:workers` (and `cloudflare:test`) for the gateway.
import type { GatewayBindings } from './bindings.js';

declare global {
  namespace Cloudflare {
    interface Env extends GatewayBindings {}
    interface GlobalProps {
      mainModule: typeof import('./worker.js');
    }
  }
}
