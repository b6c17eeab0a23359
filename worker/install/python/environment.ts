/**
 * The Python the tab runs — pyodide's CPython on Emscripten/WebAssembly — as an installer must see
 * it: marker values, the wheel tags it can load, and where a project's packages go.
 */

/** pyodide's CPython version (node_modules/pyodide/pyodide-lock.json `info.python`; a test keeps them equal). */
export const PYODIDE_PYTHON = '3.14.2'
/** pyodide's platform ABI and Emscripten version (`info.abi_version`, `info.platform`). */
export const PYODIDE_ABI = '2026_0'
export const PYODIDE_EMSCRIPTEN = '5.0.3'

/** The values PEP 508 markers are evaluated against. */
export type MarkerEnvironment = Record<'os_name' | 'sys_platform' | 'platform_machine' | 'platform_release' | 'platform_system' | 'platform_version' | 'platform_python_implementation' | 'implementation_name' | 'implementation_version' | 'python_version' | 'python_full_version', string>

/** What an install targets. */
export interface PythonTarget {
  /** `3.14.2`. */
  pythonVersion: string
  markers: MarkerEnvironment
  /** Every `python-abi-platform` tag a wheel may carry to be installable, best first. */
  tags: string[]
  /** The project's virtual environment, and its site-packages folder inside it. */
  venv: string
  sitePackages: string
}

const [MAJOR, MINOR] = PYODIDE_PYTHON.split('.').map(Number) as [number, number]

/** Where a project's packages go: a virtual environment at the workspace root, as `python -m venv .venv` makes. */
export const VENV = '/workspace/.venv'

/** The environment of pyodide in the tab, as pyodide's own `platform` and `sys` report it. */
export const PYODIDE_TARGET: PythonTarget = {
  pythonVersion: PYODIDE_PYTHON,
  markers: {
    os_name: 'posix',
    sys_platform: 'emscripten',
    platform_machine: 'wasm32',
    platform_release: PYODIDE_EMSCRIPTEN,
    platform_system: 'Emscripten',
    platform_version: '#1',
    platform_python_implementation: 'CPython',
    implementation_name: 'cpython',
    implementation_version: PYODIDE_PYTHON,
    python_version: `${MAJOR}.${MINOR}`,
    python_full_version: PYODIDE_PYTHON,
  },
  tags: supportedTags(),
  venv: VENV,
  sitePackages: `${VENV}/lib/python${MAJOR}.${MINOR}/site-packages`,
}

/**
 * The tags, best first. Pure-Python wheels come before pyodide's platform wheels: those are
 * built for this very runtime, but their compiled parts are what is most likely to fail here.
 */
function supportedTags(): string[] {
  const cp = `cp${MAJOR}${MINOR}`
  const older = (prefix: string) => Array.from({ length: MINOR }, (_, i) => `${prefix}${MAJOR}${MINOR - 1 - i}`)
  const pure = [`${cp}-none-any`, `py${MAJOR}${MINOR}-none-any`, `py${MAJOR}-none-any`, ...older('py').map((py) => `${py}-none-any`)]
  const platforms = [`pyodide_${PYODIDE_ABI}_wasm32`, `emscripten_${PYODIDE_EMSCRIPTEN.replace(/\./g, '_')}_wasm32`]
  const native = platforms.flatMap((p) => [
    `${cp}-${cp}-${p}`,
    `${cp}-abi3-${p}`,
    // The stable ABI holds from 3.2 on: a cp32-abi3 wheel loads in every later CPython.
    ...older('cp').filter((c) => Number(c.slice(3)) >= 2).map((c) => `${c}-abi3-${p}`),
    `${cp}-none-${p}`,
    `py${MAJOR}${MINOR}-none-${p}`,
    `py${MAJOR}-none-${p}`,
    ...older('py').map((py) => `${py}-none-${p}`),
  ])
  return [...pure, ...native]
}
