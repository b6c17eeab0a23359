/**
 * PEP 440 versions and specifiers against `packaging` (what pip itself uses), run by python3 on the
 * same inputs: normalised spellings, ordering, and every specifier × version match.
 */
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { compareVersions, formatVersion, parseSpecifiers, parseVersion, specifierMatches, tryParseVersion } from '.'

const hasPackaging = (() => {
  try {
    execFileSync('python3', ['-c', 'import packaging.version, packaging.specifiers'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

const VERSIONS = [
  '1.0', '1.0.0', '1', 'v1.0', '1.0.0.0', '0.9', '1.0a1', '1.0A1', '1.0alpha1', '1.0-a1', '1.0.a.1', '1.0b2', '1.0beta2', '1.0c1', '1.0rc1',
  '1.0pre1', '1.0preview1', '1.0.dev0', '1.0dev', '1.0-dev2', '1.0a1.dev1', '1.0rc1.post1', '1.0.post1', '1.0-1', '1.0rev2', '1.0r3',
  '1.0.post1.dev1', '1.0+local', '1.0+local.7', '1.0+7', '1.0+Abc-1_2', '1!0.5', '2!1.0', '1.1', '1.1.0', '1.1.1', '1.1a1', '1.1.post1',
  '1.2', '1.4.2', '1.4.5', '1.5', '1.5.0rc1', '2.0', '2.0.0.dev1', '2.0.post1', '3.14.2', '3.8', '10.0', '2024.1.15', ' 1.0 ', '1.0.0.post0',
]
const SPECS = [
  '==1.0', '==1.0.0', '==1.0+local', '==1.*', '==1.0.*', '==1.1.*', '!=1.0', '!=1.1.*', '<=1.0', '>=1.0', '<1.1', '<1.0', '>1.0', '>1.0.post1',
  '<2', '<2.0', '>=1.0a1', '<1.0rc1', '~=1.0', '~=1.4.2', '~=1.4.5a4', '~=2.0', '===1.0', '===v1.0', '>1!0.1', '<=2!0', '>=3.8', '<3.8', '==3.14.*',
]
// Specifiers PEP 440 refuses, and near misses it accepts.
const ODD_SPECS = ['>1.0+local', '<=1.0+x', '~=1', '~=1.0.*', '>=1.*', '==1.0a1.*', '==1.0.post1.*', '!=1.0+abc', '==1.0+abc', '===anything', '== 1.0', '~= 1.4', '=1.0', '==', '>=1.0 1.1']

describe('PEP 440', () => {
  it.runIf(hasPackaging)('normalises, orders and matches exactly as packaging does', () => {
    const script = `
import json, sys
from packaging.version import Version
from packaging.specifiers import Specifier
versions, specs, ODD = json.load(sys.stdin)
out = {'normal': [str(Version(v)) for v in versions]}
order = sorted(range(len(versions)), key=lambda i: Version(versions[i]))
out['order'] = [str(Version(versions[i])) for i in order]
out['matches'] = [[Specifier(s).contains(v, prereleases=True) for v in versions] for s in specs]
def valid(s):
    try:
        Specifier(s)
        return True
    except Exception:
        return False
out['valid'] = [valid(s) for s in ODD]
print(json.dumps(out))
`
    const expected = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify([VERSIONS, SPECS, ODD_SPECS]), encoding: 'utf8' })) as { normal: string[]; order: string[]; matches: boolean[][]; valid: boolean[] }
    const valid = (s: string) => {
      try {
        parseSpecifiers(s)
        return true
      } catch {
        return false
      }
    }
    expect(ODD_SPECS.map((s) => [s, valid(s)])).toEqual(ODD_SPECS.map((s, i) => [s, expected.valid[i]]))
    expect(VERSIONS.map((v) => formatVersion(parseVersion(v)))).toEqual(expected.normal)
    const sorted = [...VERSIONS].map(parseVersion).sort(compareVersions).map(formatVersion)
    // Equal versions (1.0, 1.0.0, v1.0) may come in any order: compare the normalised runs.
    expect(sorted.map((v) => formatVersion(parseVersion(v)).replace(/(\.0)+(?=$|[a-z+])/g, ''))).toEqual(expected.order.map((v) => v.replace(/(\.0)+(?=$|[a-z+])/g, '')))
    for (let s = 0; s < SPECS.length; s++) {
      const [spec] = parseSpecifiers(SPECS[s]!)
      const got = VERSIONS.map((v) => specifierMatches(spec!, parseVersion(v)))
      expect({ spec: SPECS[s], got }).toEqual({ spec: SPECS[s], got: expected.matches[s] })
    }
  })

  it('orders dev, pre, final, post and local releases', () => {
    const order = ['1.0.dev0', '1.0a1.dev1', '1.0a1', '1.0b1', '1.0rc1', '1.0', '1.0+abc', '1.0+5', '1.0.post1.dev0', '1.0.post1', '1.1', '1!0.1']
    const shuffled = [...order].reverse()
    expect(shuffled.map(parseVersion).sort(compareVersions).map(formatVersion)).toEqual(order)
    expect(compareVersions(parseVersion('1.0'), parseVersion('1.0.0'))).toBe(0)
  })

  it('rejects what is not a version or not a valid specifier, saying why', () => {
    expect(tryParseVersion('latest')).toBeNull()
    expect(tryParseVersion('1.0-beta-x')).toBeNull()
    expect(() => parseVersion('french toast')).toThrow(/not a valid version/)
    expect(() => parseSpecifiers('~=1')).toThrow(/at least two release numbers/)
    expect(() => parseSpecifiers('>=1.*')).toThrow(/only == and != take a .\* wildcard/)
    expect(() => parseSpecifiers('<1.0+local')).toThrow(/local version/)
    expect(() => parseSpecifiers('1.0')).toThrow(/expected an operator/)
    expect(parseSpecifiers(' >= 1.5 , < 2 ').map((s) => s.op + s.version)).toEqual(['>=1.5', '<2'])
  })
})
