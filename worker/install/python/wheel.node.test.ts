/** Wheels built by python3's zipfile (as the build backends do), unpacked and laid out as pip lays them out. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildDistributions } from '../../../e2e/support/python-index'
import { AppError } from '../../../shared/errors'
import { unzip } from '../../archive'
import { layoutWheel, parseMetadata, parseRecord, PYODIDE_TARGET, recordedFiles } from '.'

const dir = mkdtempSync(join(tmpdir(), 'coder-wheel-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const text = (data: Uint8Array) => new TextDecoder().decode(data)
const SITE = PYODIDE_TARGET.sitePackages

describe('installing a wheel', () => {
  it('puts its files in site-packages with a fresh RECORD, INSTALLER, REQUESTED and console scripts', async () => {
    buildDistributions(dir, [
      { name: 'tool_kit', version: '1.0', files: { 'tool_kit/__init__.py': 'VERSION = "1.0"\n', 'tool_kit/cli.py': 'def main():\n    print("hi")\n' }, requires: ['greet (>=1.5,<2)'], consoleScripts: { toolkit: 'tool_kit.cli:main' } },
    ])
    const entries = await unzip(new Uint8Array(readFileSync(join(dir, 'tool_kit-1.0-py3-none-any.whl'))))
    const install = await layoutWheel(entries, 'tool_kit-1.0-py3-none-any.whl', PYODIDE_TARGET, { requested: true })
    const paths = install.files.map((f) => f.path).sort()
    expect(paths).toEqual([
      `${PYODIDE_TARGET.venv}/bin/toolkit`,
      `${SITE}/tool_kit-1.0.dist-info/INSTALLER`,
      `${SITE}/tool_kit-1.0.dist-info/METADATA`,
      `${SITE}/tool_kit-1.0.dist-info/RECORD`,
      `${SITE}/tool_kit-1.0.dist-info/REQUESTED`,
      `${SITE}/tool_kit-1.0.dist-info/WHEEL`,
      `${SITE}/tool_kit-1.0.dist-info/entry_points.txt`,
      `${SITE}/tool_kit/__init__.py`,
      `${SITE}/tool_kit/cli.py`,
    ])
    expect(install.distInfo).toBe(`${SITE}/tool_kit-1.0.dist-info`)
    expect(install.metadata.requiresDist).toEqual(['greet (>=1.5,<2)'])
    expect(install.scripts).toEqual(['toolkit'])
    const file = (p: string) => install.files.find((f) => f.path === p)!
    expect(text(file(`${SITE}/tool_kit-1.0.dist-info/INSTALLER`).data)).toBe('coder\n')
    const script = file(`${PYODIDE_TARGET.venv}/bin/toolkit`)
    expect(script.mode).toBe(0o100755)
    expect(text(script.data)).toContain('from tool_kit.cli import main')
    expect(text(script.data)).toMatch(/^#!\/workspace\/\.venv\/bin\/python\n/)
    // RECORD lists every file with its hash, the script relative to site-packages, as pip writes it.
    const record = text(file(`${SITE}/tool_kit-1.0.dist-info/RECORD`).data)
    expect(parseRecord(record).map(([p]) => p).sort()).toEqual(['../../../bin/toolkit', 'tool_kit-1.0.dist-info/INSTALLER', 'tool_kit-1.0.dist-info/METADATA', 'tool_kit-1.0.dist-info/RECORD', 'tool_kit-1.0.dist-info/REQUESTED', 'tool_kit-1.0.dist-info/WHEEL', 'tool_kit-1.0.dist-info/entry_points.txt', 'tool_kit/__init__.py', 'tool_kit/cli.py'])
    // python's own csv + hashlib agree with the RECORD written.
    const check = execFileSync('python3', ['-c', `
import csv, sys, base64, hashlib, json
files = json.load(sys.stdin)
bad = []
for row in csv.reader(files['RECORD'].splitlines()):
    path, h, size = row
    if not h: continue
    data = files[path].encode()
    ok = h == 'sha256=' + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode() and int(size) == len(data)
    if not ok: bad.append(path)
print(json.dumps(bad))
`], { input: JSON.stringify(Object.fromEntries([['RECORD', record], ...install.files.map((f) => [f.path.startsWith(SITE) ? f.path.slice(SITE.length + 1) : `../../../bin/${f.path.split('/').pop()}`, text(f.data)])])), encoding: 'utf8' })
    expect(JSON.parse(check)).toEqual([])
    // Uninstalling removes what RECORD lists, all inside the environment.
    expect(recordedFiles(record, install.distInfo, PYODIDE_TARGET).sort()).toEqual(paths)
    expect(recordedFiles('../../../../../etc/passwd,,\n/workspace/src/main.py,,\n', install.distInfo, PYODIDE_TARGET)).toEqual([`${install.distInfo}/RECORD`])
  })

  it('merges .data/purelib, puts .data/scripts in bin with the environment’s python', async () => {
    execFileSync('python3', ['-c', `
import zipfile
with zipfile.ZipFile('data_demo-2.0-py3-none-any.whl', 'w') as z:
    z.writestr('data_demo-2.0.data/purelib/data_demo.py', 'X = 1\\n')
    z.writestr('data_demo-2.0.data/scripts/run-demo', '#!python\\nimport data_demo\\nprint(data_demo.X)\\n')
    z.writestr('data_demo-2.0.data/data/share/demo.txt', 'shared\\n')
    z.writestr('data_demo-2.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: data-demo\\nVersion: 2.0\\n')
    z.writestr('data_demo-2.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\nRoot-Is-Purelib: false\\n')
`], { cwd: dir })
    const install = await layoutWheel(await unzip(new Uint8Array(readFileSync(join(dir, 'data_demo-2.0-py3-none-any.whl')))), 'data_demo-2.0-py3-none-any.whl', PYODIDE_TARGET)
    const byPath = Object.fromEntries(install.files.map((f) => [f.path, text(f.data)]))
    expect(byPath[`${SITE}/data_demo.py`]).toBe('X = 1\n')
    expect(byPath[`${PYODIDE_TARGET.venv}/bin/run-demo`]).toBe('#!/workspace/.venv/bin/python\nimport data_demo\nprint(data_demo.X)\n')
    expect(byPath[`${PYODIDE_TARGET.venv}/share/demo.txt`]).toBe('shared\n')
    expect(Object.keys(byPath)).not.toContain(`${SITE}/data_demo-2.0.dist-info/REQUESTED`)
  })

  it('refuses a wheel whose files do not match its RECORD, or that lacks its metadata', async () => {
    execFileSync('python3', ['-c', `
import zipfile
with zipfile.ZipFile('tampered-1.0-py3-none-any.whl', 'w') as z:
    z.writestr('tampered.py', 'print("evil")\\n')
    z.writestr('tampered-1.0.dist-info/METADATA', 'Metadata-Version: 2.1\\nName: tampered\\nVersion: 1.0\\n')
    z.writestr('tampered-1.0.dist-info/WHEEL', 'Wheel-Version: 1.0\\n')
    z.writestr('tampered-1.0.dist-info/RECORD', 'tampered.py,sha256=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA,15\\n')
with zipfile.ZipFile('nometa-1.0-py3-none-any.whl', 'w') as z:
    z.writestr('nometa.py', '')
`], { cwd: dir })
    const fail = async (name: string) => {
      const error = await unzip(new Uint8Array(readFileSync(join(dir, name)))).then((entries) => layoutWheel(entries, name, PYODIDE_TARGET)).then(() => null, (e: unknown) => e)
      expect(error).toBeInstanceOf(AppError)
      return (error as AppError).message
    }
    expect(await fail('tampered-1.0-py3-none-any.whl')).toMatch(/tampered-1\.0-py3-none-any\.whl is not a valid wheel: tampered\.py does not match the hash its RECORD gives/)
    expect(await fail('nometa-1.0-py3-none-any.whl')).toMatch(/no \.dist-info folder/)
  })

  it('reads core metadata with continuation lines and the description body', () => {
    const m = parseMetadata('Metadata-Version: 2.1\nName: Tool_Kit\nVersion: 1.0\nSummary: a kit\nLicense: MIT\n        with more\nRequires-Dist: a\nRequires-Dist: b ; extra == "x"\nProvides-Extra: X_Y\n\nRequires-Dist: not-a-header\n')
    expect(m).toMatchObject({ name: 'Tool_Kit', version: '1.0', summary: 'a kit', requiresDist: ['a', 'b ; extra == "x"'], providesExtra: ['x-y'] })
    expect(m.headers.license).toEqual(['MIT\nwith more'])
  })
})
