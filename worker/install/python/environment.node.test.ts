/**
 * The install target is the pyodide this project ships: its version from pyodide-lock.json, and
 * marker values as pyodide's own `platform` and `sys` report them (pyodide runs in Node here).
 */
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PYODIDE_ABI, PYODIDE_EMSCRIPTEN, PYODIDE_PYTHON, PYODIDE_TARGET } from '.'

describe('the pyodide target', () => {
  it('is the pyodide in node_modules', () => {
    const lock = JSON.parse(readFileSync(new URL('../../../node_modules/pyodide/pyodide-lock.json', import.meta.url), 'utf8')) as { info: { python: string; abi_version: string; platform: string } }
    expect(PYODIDE_PYTHON).toBe(lock.info.python)
    expect(PYODIDE_ABI).toBe(lock.info.abi_version)
    expect(`emscripten_${PYODIDE_EMSCRIPTEN.replace(/\./g, '_')}`).toBe(lock.info.platform)
    expect(PYODIDE_TARGET.sitePackages).toBe(`/workspace/.venv/lib/python${PYODIDE_PYTHON.split('.').slice(0, 2).join('.')}/site-packages`)
  })

  it('has the marker values pyodide itself reports', { timeout: 60_000 }, async () => {
    const { loadPyodide } = await import('pyodide')
    const py = await loadPyodide()
    const actual = JSON.parse(
      py.runPython(`
import json, os, sys, platform
json.dumps({
    'os_name': os.name, 'sys_platform': sys.platform, 'platform_machine': platform.machine(),
    'platform_release': platform.release(), 'platform_system': platform.system(), 'platform_version': platform.version(),
    'platform_python_implementation': platform.python_implementation(), 'implementation_name': sys.implementation.name,
    'implementation_version': platform.python_version(), 'python_version': '.'.join(platform.python_version_tuple()[:2]),
    'python_full_version': platform.python_version(),
})
`) as string,
    ) as Record<string, string>
    expect(PYODIDE_TARGET.markers).toEqual(actual)
  })

  it('accepts pure-Python wheels first, then pyodide’s own platform', () => {
    const tags = PYODIDE_TARGET.tags
    for (const tag of ['py3-none-any', 'py314-none-any', 'py38-none-any', 'py30-none-any', 'cp314-none-any', 'cp314-cp314-pyodide_2026_0_wasm32', 'cp312-abi3-pyodide_2026_0_wasm32']) expect(tags).toContain(tag)
    for (const tag of ['py2-none-any', 'py315-none-any', 'cp313-cp313-pyodide_2026_0_wasm32', 'cp314-cp314-manylinux_2_17_x86_64', 'cp314-abi3-win_amd64']) expect(tags).not.toContain(tag)
    expect(tags.indexOf('py3-none-any')).toBeLessThan(tags.indexOf('cp314-cp314-pyodide_2026_0_wasm32'))
  })
})
