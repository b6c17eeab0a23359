import { describe, expect, it } from 'vitest'
import { availableFrom, parseProjectPage, parseWheelFilename, PYODIDE_TARGET, sdistVersion, SIMPLE_JSON, type IndexFile } from '.'

const HTML = `<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="1.1">
    <title>Links for tool-kit</title>
  </head>
  <body>
    <h1>Links for tool-kit</h1>
    <a href="../../files/tool_kit-0.9.tar.gz#sha256=AA11">tool_kit-0.9.tar.gz</a><br />
    <a href="../../files/tool_kit-1.0-py3-none-any.whl#sha256=bb22" data-requires-python="&gt;=3.8" data-dist-info-metadata="sha256=cc">tool_kit-1.0-py3-none-any.whl</a><br />
    <A HREF='https://cdn.example.com/tool_kit-1.1-py2.py3-none-any.whl' data-yanked="broken &amp; bad">tool_kit-1.1-py2.py3-none-any.whl</A>
    <a href="/files/tool_kit-2.0-cp311-cp311-manylinux_2_17_x86_64.whl#md5=dd33" data-requires-python=">=3.11">tool_kit-2.0-cp311-cp311-manylinux_2_17_x86_64.whl</a>
    <a href="/files/tool_kit-3.0-py3-none-any.whl" data-requires-python="&gt;=3.15">tool_kit-3.0-py3-none-any.whl</a>
    <a href="/files/tool_kit-3.0.tar.gz">tool_kit-3.0.tar.gz</a>
    <a href="/files/other-1.0-py3-none-any.whl">other-1.0-py3-none-any.whl</a>
    <a href="/files/tool_kit-latest.tar.gz">tool_kit-latest.tar.gz</a>
  </body>
</html>`

describe('the simple repository API', () => {
  it('reads PEP 503 HTML: absolute URLs, hashes from fragments, requires-python and yanked unescaped', () => {
    const files = parseProjectPage(HTML, 'text/html; charset=utf-8', 'http://127.0.0.1:9000/simple/tool-kit/')
    expect(files.slice(0, 4)).toEqual([
      { filename: 'tool_kit-0.9.tar.gz', url: 'http://127.0.0.1:9000/files/tool_kit-0.9.tar.gz', hashes: { sha256: 'aa11' }, requiresPython: null, yanked: null },
      { filename: 'tool_kit-1.0-py3-none-any.whl', url: 'http://127.0.0.1:9000/files/tool_kit-1.0-py3-none-any.whl', hashes: { sha256: 'bb22' }, requiresPython: '>=3.8', yanked: null },
      { filename: 'tool_kit-1.1-py2.py3-none-any.whl', url: 'https://cdn.example.com/tool_kit-1.1-py2.py3-none-any.whl', hashes: {}, requiresPython: null, yanked: 'broken & bad' },
      { filename: 'tool_kit-2.0-cp311-cp311-manylinux_2_17_x86_64.whl', url: 'http://127.0.0.1:9000/files/tool_kit-2.0-cp311-cp311-manylinux_2_17_x86_64.whl', hashes: { md5: 'dd33' }, requiresPython: '>=3.11', yanked: null },
    ])
    const based = parseProjectPage('<base href="https://mirror.example.com/pkgs/"><a href="x-1.0-py3-none-any.whl#sha256=ff">x-1.0-py3-none-any.whl</a>', 'text/html', 'http://127.0.0.1/simple/x/')
    expect(based[0]!.url).toBe('https://mirror.example.com/pkgs/x-1.0-py3-none-any.whl')
  })

  it('reads PEP 691 JSON', () => {
    const body = JSON.stringify({
      meta: { 'api-version': '1.1' },
      name: 'greet',
      files: [
        { filename: 'greet-1.0-py3-none-any.whl', url: '../../files/greet-1.0-py3-none-any.whl', hashes: { sha256: 'ABC' }, 'requires-python': '>=3.7', yanked: false },
        { filename: 'greet-1.1-py3-none-any.whl', url: 'https://x.example.com/greet-1.1-py3-none-any.whl', hashes: {}, yanked: 'oops' },
        { filename: 'greet-1.2-py3-none-any.whl', url: 'https://x.example.com/greet-1.2-py3-none-any.whl', hashes: {}, yanked: true },
      ],
    })
    const files = parseProjectPage(body, `${SIMPLE_JSON}; charset=utf-8`, 'http://127.0.0.1:9000/simple/greet/')
    expect(files).toEqual([
      { filename: 'greet-1.0-py3-none-any.whl', url: 'http://127.0.0.1:9000/files/greet-1.0-py3-none-any.whl', hashes: { sha256: 'abc' }, requiresPython: '>=3.7', yanked: null },
      { filename: 'greet-1.1-py3-none-any.whl', url: 'https://x.example.com/greet-1.1-py3-none-any.whl', hashes: {}, requiresPython: null, yanked: 'oops' },
      { filename: 'greet-1.2-py3-none-any.whl', url: 'https://x.example.com/greet-1.2-py3-none-any.whl', hashes: {}, requiresPython: null, yanked: '' },
    ])
    expect(() => parseProjectPage('{"nope": 1}', SIMPLE_JSON, 'http://127.0.0.1/simple/greet/')).toThrow(/no "files" list/)
  })

  it('sorts files into installable versions and versions that cannot be installed here, and says why', () => {
    const files = parseProjectPage(HTML, 'text/html', 'http://127.0.0.1:9000/simple/tool-kit/')
    const { candidates, skipped } = availableFrom('tool-kit', 'tool-kit', files, PYODIDE_TARGET)
    expect(candidates.map((c) => [c.versionText, c.file!.filename])).toEqual([
      ['1.1', 'tool_kit-1.1-py2.py3-none-any.whl'],
      ['1.0', 'tool_kit-1.0-py3-none-any.whl'],
    ])
    expect(skipped.map((s) => [s.versionText, s.why, s.detail])).toEqual([
      ['3.0', 'requires-python', '>=3.15'],
      ['2.0', 'no-compatible-wheel', 'cp311-cp311-manylinux_2_17_x86_64'],
      ['0.9', 'sdist-only', ''],
    ])
  })

  it('prefers a pure wheel to a platform wheel of the same version', () => {
    const files: IndexFile[] = ['x-1.0-cp314-cp314-pyodide_2026_0_wasm32.whl', 'x-1.0-py3-none-any.whl', 'x-1.0-cp314-cp314-win_amd64.whl'].map((filename) => ({ filename, url: `http://h/${filename}`, hashes: {}, requiresPython: null, yanked: null }))
    expect(availableFrom('x', 'x', files, PYODIDE_TARGET).candidates.map((c) => c.file!.filename)).toEqual(['x-1.0-py3-none-any.whl'])
    expect(availableFrom('x', 'x', files.slice(0, 1), PYODIDE_TARGET).candidates.map((c) => c.file!.filename)).toEqual(['x-1.0-cp314-cp314-pyodide_2026_0_wasm32.whl'])
  })
})

describe('file names', () => {
  it('reads wheel names with build tags and compressed tag sets', () => {
    expect(parseWheelFilename('tool_kit-1.0-1b-py2.py3-none-any.whl')).toEqual({ name: 'tool_kit', version: '1.0', build: '1b', tags: ['py2-none-any', 'py3-none-any'] })
    expect(parseWheelFilename('a-1.0-cp312-abi3-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')!.tags).toEqual(['cp312-abi3-manylinux_2_17_x86_64', 'cp312-abi3-manylinux2014_x86_64'])
    expect(parseWheelFilename('a-1.0-x-py3-none-any.whl')).toBeNull()
    expect(parseWheelFilename('a-1.0.tar.gz')).toBeNull()
  })

  it('reads sdist versions, also for names that keep their dashes', () => {
    expect(sdistVersion('tool-kit-1.0.tar.gz', 'tool-kit')).toBe('1.0')
    expect(sdistVersion('Tool_Kit-2.0rc1.zip', 'tool-kit')).toBe('2.0rc1')
    expect(sdistVersion('tool-kit-extra-1.0.tar.gz', 'tool-kit')).toBeNull()
    expect(sdistVersion('tool-kit-1.0.exe', 'tool-kit')).toBeNull()
  })
})
