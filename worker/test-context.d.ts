// What e2e/support/global-setup.ts provides to the browser test project.
import 'vitest'
declare module 'vitest' {
  export interface ProvidedContext {
    gitServerUrl: string
  }
}
