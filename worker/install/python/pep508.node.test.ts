/**
 * PEP 508 requirements and markers against `packaging` (what pip uses), run by python3 on the
 * same strings: name, extras, specifiers and the marker's value in pyodide's environment.
 */
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { evaluateMarker, formatRequirement, formatSpecifiers, parseRequirement, PYODIDE_TARGET, requirementApplies } from '.'

const hasPackaging = (() => {
  try {
    execFileSync('python3', ['-c', 'import packaging.requirements'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()

const REQUIREMENTS = [
  'greet',
  'Tool_Kit[Fancy, extra_two] >=1.5, <2',
  'tool.kit (>=1.5,<2) ; sys_platform == "win32"',
  'greet==2.*; python_version >= "3.8"',
  'greet~=1.4 ; python_version < "3.10" or platform_system == "Emscripten"',
  'a ; (os_name == "nt" or sys_platform == "emscripten") and platform_machine == "wasm32"',
  'b ; "emscripten" == sys_platform',
  'c ; "emsc" in sys_platform',
  'd ; "linux" not in sys_platform and implementation_name == "cpython"',
  'e ; python_full_version >= "3.14.1" and python_full_version < "3.15"',
  'f ; platform_release >= "4"',
  'g ; extra == "fancy"',
  'h ; extra == "Fancy_Thing"',
  'i[x]==1.0 ; extra == "fancy" and python_version > "3"',
  'j ; platform_python_implementation != "PyPy"',
  "k ; sys_platform == 'win32' or (sys_platform == 'emscripten' and python_version ~= '3.14')",
  'l ; os.name == "posix"',
  'm ; implementation_version >= "3.14"',
  'n ; platform_version == "#1"',
  'o@https://example.com/o-1.0-py3-none-any.whl',
  'p @ https://example.com/p.whl ; python_version >= "3"',
  'q !=1.0, ===weird',
  'greet[]',
]

const INVALID = ['', '-greet', 'greet ==', 'greet >= 1.0 extra', 'greet ; python_version', 'greet ; unknown_var == "1"', 'greet[fancy', 'greet (>=1', 'greet ; sys_platform == "a" and']

describe('PEP 508', () => {
  it.runIf(hasPackaging)('reads requirements and evaluates markers as packaging does, in pyodide’s environment', () => {
    const script = `
import json, sys
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
reqs, invalid, env = json.load(sys.stdin)
out = []
for text in reqs:
    r = Requirement(text)
    def ev(extra):
        if r.marker is None: return True
        return r.marker.evaluate(dict(env, extra=extra))
    out.append({'key': canonicalize_name(r.name), 'extras': sorted(canonicalize_name(e) for e in r.extras), 'specs': sorted(str(s) for s in r.specifier), 'url': r.url, 'plain': ev(''), 'fancy': ev('fancy')})
bad = []
for text in invalid:
    try:
        Requirement(text)
        bad.append(False)
    except Exception:
        bad.append(True)
print(json.dumps({'reqs': out, 'bad': bad}))
`
    const expected = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify([REQUIREMENTS, INVALID, PYODIDE_TARGET.markers]), encoding: 'utf8' })) as {
      reqs: Array<{ key: string; extras: string[]; specs: string[]; url: string | null; plain: boolean; fancy: boolean }>
      bad: boolean[]
    }
    const got = REQUIREMENTS.map((text) => {
      const r = parseRequirement(text)
      const ev = (extra: string) => (r.marker ? evaluateMarker(r.marker, { ...PYODIDE_TARGET.markers, extra }) : true)
      return { key: r.key, extras: r.extras, specs: r.specifiers.map((s) => formatSpecifiers([s])).sort(), url: r.url, plain: ev(''), fancy: ev('fancy') }
    })
    expect(got).toEqual(expected.reqs)
    const refused = INVALID.map((text) => {
      try {
        parseRequirement(text)
        return false
      } catch {
        return true
      }
    })
    expect(refused).toEqual(expected.bad)
  })

  it('says what is wrong with a bad requirement, naming it', () => {
    expect(() => parseRequirement('greet ; python_version')).toThrow(/invalid requirement "greet ; python_version": expected a comparison/)
    expect(() => parseRequirement('greet ; nonsense == "1"')).toThrow(/"nonsense" is not a marker variable/)
    expect(() => parseRequirement('greet >= 1.0 extra')).toThrow(/invalid requirement "greet >= 1.0 extra"/)
    expect(() => parseRequirement('./dist/greet-1.0-py3-none-any.whl')).toThrow(/installing from a path or URL is not supported/)
    expect(() => parseRequirement('greet[fancy')).toThrow(/missing a closing "\]"/)
  })

  it('applies markers for the extras being installed, and writes requirements back normalised', () => {
    const r = parseRequirement('colorize>=1 ; extra == "fancy"')
    expect(requirementApplies(r, PYODIDE_TARGET.markers)).toBe(false)
    expect(requirementApplies(r, PYODIDE_TARGET.markers, ['fancy'])).toBe(true)
    expect(requirementApplies(parseRequirement('winonly ; sys_platform == "win32"'), PYODIDE_TARGET.markers)).toBe(false)
    expect(formatRequirement(parseRequirement('Tool_Kit [b,a] (>=1.5, <2) ; sys_platform=="win32" and (python_version<"3" or os_name=="nt")'))).toBe(
      'Tool_Kit[a,b]>=1.5,<2; sys_platform == "win32" and (python_version < "3" or os_name == "nt")',
    )
  })
})
