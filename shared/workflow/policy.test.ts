import { describe, expect, test } from 'vitest'
import { isWorkflowPath, isWriteAllowed, maskSecrets, normaliseWorkspacePath, WORKFLOW_DIR } from './index'

describe('isWriteAllowed', () => {
  test('`src/` and `src` both mean the directory and everything in it', () => {
    for (const dir of ['src/', 'src', './src', '/src/']) {
      expect(isWriteAllowed('src/a.ts', [dir])).toBe(true)
      expect(isWriteAllowed('src/deep/b.ts', [dir])).toBe(true)
      expect(isWriteAllowed('srcs/a.ts', [dir])).toBe(false)
      expect(isWriteAllowed('lib/src/a.ts', [dir])).toBe(false)
    }
  })

  test('paths are normalised before they are checked', () => {
    expect(isWriteAllowed('./src//a.ts', ['src'])).toBe(true)
    expect(isWriteAllowed('/src/a.ts', ['src'])).toBe(true)
    expect(isWriteAllowed('src/../package.json', ['src'])).toBe(false)
    expect(isWriteAllowed('tests/../src/a.ts', ['src'])).toBe(true)
  })

  test('`..` can never leave the workspace, whatever the policy', () => {
    expect(isWriteAllowed('../outside.txt', undefined)).toBe(false)
    expect(isWriteAllowed('src/../../etc/passwd', ['src'])).toBe(false)
    expect(isWriteAllowed('src/../../src/a.ts', ['src'])).toBe(false)
    expect(isWriteAllowed('a', ['../'])).toBe(false)
  })

  test('absent: anywhere; empty: nowhere; a file may be listed', () => {
    expect(isWriteAllowed('anything/at/all.ts', undefined)).toBe(true)
    expect(isWriteAllowed('src/a.ts', [])).toBe(false)
    expect(isWriteAllowed('package.json', ['package.json'])).toBe(true)
    expect(isWriteAllowed('package.json.bak', ['package.json'])).toBe(false)
    expect(isWriteAllowed('x/y', ['.'])).toBe(true)
    expect(isWriteAllowed('', undefined)).toBe(false)
  })

  test('normaliseWorkspacePath', () => {
    expect(normaliseWorkspacePath('./a/./b/../c/')).toBe('a/c')
    expect(normaliseWorkspacePath('..')).toBeNull()
  })
})

describe('maskSecrets', () => {
  test('every occurrence of each secret of 4 characters or more', () => {
    expect(maskSecrets('token=npm_abc123 again npm_abc123', ['npm_abc123'])).toBe('token=*** again ***')
    expect(maskSecrets('abc is short', ['abc'])).toBe('abc is short')
    expect(maskSecrets('nothing here', [])).toBe('nothing here')
  })

  test('a secret containing another is masked whole; pasted newlines and multi-line secrets', () => {
    expect(maskSecrets('key: secret-long and secret', ['secret', 'secret-long'])).toBe('key: *** and ***')
    expect(maskSecrets('value hunter22 here', ['hunter22\n'])).toBe('value *** here')
    const pem = '-----BEGIN KEY-----\nAAAABBBBCCCC\nDDDDEEEE\n-----END KEY-----'
    expect(maskSecrets('line: DDDDEEEE', [pem])).toBe('line: ***')
    expect(maskSecrets(`full:\n${pem}`, [pem])).toBe('full:\n***')
  })

  test('regex characters in secrets are taken literally', () => {
    expect(maskSecrets('a.b*c+d? and axbxcxd', ['a.b*c+d?'])).toBe('*** and axbxcxd')
  })
})

test('workflow files live directly in .coder/workflows', () => {
  expect(WORKFLOW_DIR).toBe('.coder/workflows')
  expect(isWorkflowPath('.coder/workflows/fix.yml')).toBe(true)
  expect(isWorkflowPath('/.coder/workflows/fix.yaml')).toBe(true)
  expect(isWorkflowPath('./.coder/workflows/fix.json')).toBe(true)
  expect(isWorkflowPath('.coder/workflows/FIX.YML')).toBe(true)
  expect(isWorkflowPath('.coder/workflows/sub/fix.yml')).toBe(false)
  expect(isWorkflowPath('.coder/workflows/fix.txt')).toBe(false)
  expect(isWorkflowPath('.coder/workflows/.hidden.yml')).toBe(false)
  expect(isWorkflowPath('.coder/fix.yml')).toBe(false)
  expect(isWorkflowPath('src/.coder/workflows/fix.yml')).toBe(false)
})
