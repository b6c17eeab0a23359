import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { matchWorkspaces, workspacePatterns } from '.'

const folders = ['apps', 'apps/web', 'apps/web/src', 'docs', 'packages', 'packages/b', 'packages/a', 'packages/a/lib', 'packages/.hidden', 'tools/x/deep']

describe('matchWorkspaces', () => {
  it('matches folder globs pattern by pattern, each sorted, in either form of the field', () => {
    expect(matchWorkspaces(['packages/*'], folders)).toEqual(['packages/a', 'packages/b'])
    expect(matchWorkspaces({ packages: ['docs', 'packages/*'] }, folders)).toEqual(['docs', 'packages/a', 'packages/b'])
    expect(matchWorkspaces(['./apps/*/', '/docs'], folders)).toEqual(['apps/web', 'docs'])
    expect(matchWorkspaces(['tools/**'], folders)).toEqual(['tools/x/deep'])
    expect(matchWorkspaces(['{apps,packages}/[ab]*'], folders)).toEqual(['packages/a', 'packages/b'])
  })

  it('drops what a !pattern matches, and never matches hidden folders with a wildcard', () => {
    expect(matchWorkspaces(['packages/*', '!packages/b'], folders)).toEqual(['packages/a'])
    expect(matchWorkspaces(['packages/*'], folders)).not.toContain('packages/.hidden')
    expect(matchWorkspaces(['packages/.hidden'], folders)).toEqual(['packages/.hidden'])
  })

  it('refuses a field that is not a list of globs', () => {
    expect(workspacePatterns(undefined)).toEqual([])
    for (const bad of ['packages/*', { packages: 'x' }, [1]]) {
      const error = (() => {
        try {
          workspacePatterns(bad)
        } catch (e) {
          return e as AppError
        }
      })()
      expect(error?.code).toBe('BAD_INPUT')
      expect(error?.message).toContain('workspaces')
    }
  })
})
