// Values that test/workerd/global-setup.ts provides to the workerd project.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** BACKENDS binding of the Worker under test (JSON). */
    workerdTestBackends: string;
    /** Origin of the backend test double, for reading what it received. */
    mockBackendOrigin: string;
  }
}
