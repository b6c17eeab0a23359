import { describe, expect, it } from 'vitest'
import { AppError } from '../../shared/errors'
import { authFor, parseNpmrc, registryFor } from '.'

const FALLBACK = 'http://127.0.0.1:4873'

describe('parseNpmrc', () => {
  const text = [
    '; a comment',
    '# another',
    'registry = https://npm.example.com/npm',
    '@acme:registry="https://acme.example.com/registry/"',
    "@tools:registry='http://localhost:4873'",
    '//acme.example.com/registry/:_authToken=${ACME_TOKEN}',
    '//npm.example.com/:_authToken = plain-token ; trailing comment',
    '//npm.example.com/npm/deep:_authToken=deep-token',
    '//basic.example.com/:username=alice',
    '//basic.example.com/:_password=' + btoa('s3cret'),
    '//legacy.example.com/:_auth=' + btoa('bob:pw'),
    '//optional.example.com/:_authToken=${MISSING?}',
    '//unset.example.com/:_authToken=${MISSING}',
    '_authToken=top-level-is-ignored',
    'strict-ssl=false',
    '[section]',
    'registry=https://ignored.example.com/',
  ].join('\r\n')
  const config = parseNpmrc(text, { ACME_TOKEN: 'acme-123' })

  it('reads registries, normalised to end in /', () => {
    expect(config.registry).toBe('https://npm.example.com/npm/')
    expect(config.scopes).toEqual({ '@acme': 'https://acme.example.com/registry/', '@tools': 'http://localhost:4873/' })
  })

  it('reads credentials by prefix, expanding the environment', () => {
    expect(config.auth['//acme.example.com/registry/']).toEqual({ token: 'acme-123' })
    expect(config.auth['//npm.example.com/']).toEqual({ token: 'plain-token' })
    expect(config.auth['//npm.example.com/npm/deep/']).toEqual({ token: 'deep-token' })
    expect(config.auth['//basic.example.com/']).toEqual({ basic: btoa('alice:s3cret') })
    expect(config.auth['//legacy.example.com/']).toEqual({ basic: btoa('bob:pw') })
    expect(config.auth['//optional.example.com/']).toEqual({ token: '' })
    expect(config.auth['//unset.example.com/']).toEqual({ token: '${MISSING}' })
    expect(Object.keys(config.auth)).not.toContain('_authToken')
  })

  it('handles escapes, bare keys and empty files', () => {
    expect(parseNpmrc('registry=http://r.example/a\\;b').registry).toBe('http://r.example/a;b/')
    expect(parseNpmrc('//h.example/:_authToken=\\${X}', { X: 'no' }).auth['//h.example/']).toEqual({ token: '${X}' })
    expect(parseNpmrc('')).toEqual({ registry: null, scopes: {}, auth: {}, legacyPeerDeps: false })
    expect(parseNpmrc('legacy-peer-deps=true\n').legacyPeerDeps).toBe(true)
    expect(parseNpmrc('legacy-peer-deps = false\n').legacyPeerDeps).toBe(false)
  })

  it('refuses a registry that is not an http(s) URL', () => {
    expect(() => parseNpmrc('registry=ftp://x.example/')).toThrow(AppError)
    expect(() => parseNpmrc('@a:registry=not a url')).toThrow(/not an http\(s\) URL/)
  })
})

describe('registryFor', () => {
  const config = parseNpmrc('@acme:registry=https://acme.example.com/r')
  it('uses the scope registry for scoped names, else registry=, else the fallback', () => {
    expect(registryFor('@acme/widget', config, FALLBACK)).toBe('https://acme.example.com/r/')
    expect(registryFor('@other/widget', config, FALLBACK)).toBe(`${FALLBACK}/`)
    expect(registryFor('lodash', config, FALLBACK)).toBe(`${FALLBACK}/`)
    expect(registryFor('lodash', parseNpmrc('registry=https://mirror.example/'), FALLBACK)).toBe('https://mirror.example/')
    expect(registryFor('@acme/widget', parseNpmrc('registry=https://mirror.example/'), FALLBACK)).toBe('https://mirror.example/')
  })
})

describe('authFor', () => {
  const config = parseNpmrc(['//reg.example/:_authToken=root', '//reg.example/private/:_authToken=private', '//reg.example:8443/:_authToken=port'].join('\n'))
  it('picks the longest matching prefix', () => {
    expect(authFor('https://reg.example/private/pkg/-/pkg-1.0.0.tgz', config)).toEqual({ token: 'private' })
    expect(authFor('https://reg.example/public/pkg', config)).toEqual({ token: 'root' })
    expect(authFor('https://REG.example/privateer/x', config)).toEqual({ token: 'root' })
  })
  it('never sends a token to another host or port', () => {
    expect(authFor('https://reg.example.evil.com/private/x', config)).toBeNull()
    expect(authFor('https://evil.com/reg.example/private/x', config)).toBeNull()
    expect(authFor('https://reg.example:8443/x', config)).toEqual({ token: 'port' })
    expect(authFor('not a url', config)).toBeNull()
  })
})
