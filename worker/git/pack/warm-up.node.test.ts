import { expect, it } from 'vitest'
import { warmUpPackIndexer } from './warm-up'

it('indexes its synthetic pack without error (so the JIT warms on real code paths)', async () => {
  await expect(warmUpPackIndexer()).resolves.toBeUndefined()
})
