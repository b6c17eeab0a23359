import { describe, expect, it } from 'vitest'
import { AppError } from '../../../shared/errors'
import { formatRequirement, parsePipConf, parseRequirementsFile } from '.'

const files = (map: Record<string, string>) => async (path: string) => map[path] ?? null

describe('requirements files', () => {
  it('reads requirements, comments, continuations, includes, index options and hashes', async () => {
    const read = files({
      '/workspace/requirements.txt': [
        '# the app',
        '',
        '--index-url ${INDEX}/simple/',
        '--extra-index-url=https://extra.example.com/simple',
        'Tool_Kit[fancy]==1.0   # pinned',
        'greet>=1.5,\\',
        '    <2 ; python_version >= "3.8"',
        'colorize \\',
        '    --hash=sha256:ABCDEF0123 --hash sha256:0123456789',
        '-r dev/more.txt',
        '-c constraints.txt',
        '--pre',
        'sharp-name==1.0 # a comment',
      ].join('\n'),
      '/workspace/dev/more.txt': 'pytest-lite~=2.0\r\n-r ../shared.txt\r\n',
      '/workspace/shared.txt': 'six\n--trusted-host example.com\n',
      '/workspace/constraints.txt': 'greet<1.8\n',
    })
    const r = await parseRequirementsFile('/workspace/requirements.txt', read, { INDEX: 'http://127.0.0.1:9000' })
    expect(r.requirements.map((x) => formatRequirement(x.requirement))).toEqual(['Tool_Kit[fancy]==1.0', 'greet>=1.5,<2; python_version >= "3.8"', 'colorize', 'pytest-lite~=2.0', 'six', 'sharp-name==1.0'])
    expect(r.requirements.map((x) => x.source)).toEqual(['-r requirements.txt (line 5)', '-r requirements.txt (line 6)', '-r requirements.txt (line 8)', '-r dev/more.txt (line 1)', '-r shared.txt (line 1)', '-r requirements.txt (line 13)'])
    expect(r.requirements[2]!.hashes).toEqual(['sha256:abcdef0123', 'sha256:0123456789'])
    expect(r.constraints.map((x) => formatRequirement(x.requirement))).toEqual(['greet<1.8'])
    expect(r.indexUrl).toBe('http://127.0.0.1:9000/simple/')
    expect(r.extraIndexUrls).toEqual(['https://extra.example.com/simple'])
    expect(r.pre).toBe(true)
    expect(r.ignored).toEqual(['--trusted-host'])
  })

  it('names the file and line of a bad line, a missing include, an include cycle, an editable', async () => {
    const fail = async (map: Record<string, string>) => {
      const error = await parseRequirementsFile('/workspace/requirements.txt', files(map)).then(() => null, (e: unknown) => e)
      expect(error).toBeInstanceOf(AppError)
      return (error as AppError).message
    }
    expect(await fail({ '/workspace/requirements.txt': 'greet\ngreet >= 1 what\n' })).toMatch(/^requirements\.txt \(line 2\): invalid requirement "greet >= 1 what"/)
    expect(await fail({ '/workspace/requirements.txt': '-r nope.txt\n' })).toMatch(/nope\.txt does not exist \(named in requirements\.txt\)/)
    expect(await fail({ '/workspace/requirements.txt': '-r b.txt\n', '/workspace/b.txt': '-r requirements.txt\n' })).toMatch(/requirements\.txt includes itself/)
    expect(await fail({ '/workspace/requirements.txt': '-e .\n' })).toMatch(/line 1\): editable installs/)
    expect(await fail({ '/workspace/requirements.txt': '--frobnicate\n' })).toMatch(/line 1\): unknown option --frobnicate/)
    expect(await fail({})).toMatch(/Could not open requirements file: requirements\.txt does not exist/)
  })
})

describe('pip.conf', () => {
  it('reads the index from [global], with [install] over it', () => {
    expect(parsePipConf('[global]\nindex-url = https://a.example.com/simple\nextra-index-url =\n    https://b.example.com/simple\n    https://c.example.com/simple\n')).toEqual({
      indexUrl: 'https://a.example.com/simple',
      extraIndexUrls: ['https://b.example.com/simple', 'https://c.example.com/simple'],
      pre: false,
    })
    expect(parsePipConf('# comment\n[global]\nindex_url=https://a/simple ; note\n[install]\nindex-url: https://b/simple\npre = true\n')).toEqual({ indexUrl: 'https://b/simple', extraIndexUrls: [], pre: true })
    expect(parsePipConf('index-url = https://outside-any-section/\n')).toEqual({ indexUrl: null, extraIndexUrls: [], pre: false })
  })
})
