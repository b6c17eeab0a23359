// isomorphic-git expects Node's Buffer as a global; this module must be imported first.
import { Buffer } from 'buffer'

;(globalThis as { Buffer?: unknown }).Buffer ??= Buffer
