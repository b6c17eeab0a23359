import type { D1Migration } from 'cloudflare:test'
import type { Env as EdgeEnv } from '../env'

declare global {
  namespace Cloudflare {
    // `env` from cloudflare:workers in tests: the worker's bindings plus the migrations to apply.
    interface Env extends EdgeEnv {
      TEST_MIGRATIONS: D1Migration[]
    }
    // Types `exports.default` (the worker under test) from cloudflare:workers.
    interface GlobalProps {
      mainModule: typeof import('../index')
    }
  }
}
