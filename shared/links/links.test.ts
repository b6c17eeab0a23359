import { describe, expect, it } from 'vitest'
import { parseOpenLink, sameRepository } from '.'

describe('open in Coder links', () => {
  it('reads /<host>/<owner>/<repo>[/tree/<branch>]', () => {
    expect(parseOpenLink('/github.com/acme/widgets', '')).toEqual({ url: 'https://github.com/acme/widgets.git' })
    expect(parseOpenLink('/github.com/acme/widgets.git/tree/feature/new-ui', '')).toEqual({ url: 'https://github.com/acme/widgets.git', ref: 'feature/new-ui' })
    expect(parseOpenLink('/127.0.0.1:8080/team/app', '')).toEqual({ url: 'http://127.0.0.1:8080/team/app.git' })
  })
  it('reads ?import=<url> with an optional branch, http(s) only', () => {
    expect(parseOpenLink('/', '?import=https%3A%2F%2Fgitlab.com%2Fa%2Fb.git&branch=dev')).toEqual({ url: 'https://gitlab.com/a/b.git', ref: 'dev' })
    expect(parseOpenLink('/', '?import=file:///etc/passwd')).toBeNull()
    expect(parseOpenLink('/', '?import=not a url')).toBeNull()
  })
  it('leaves app routes alone', () => {
    expect(parseOpenLink('/', '')).toBeNull()
    expect(parseOpenLink('/p/1234-abcd', '')).toBeNull()
    expect(parseOpenLink('/settings/a/b', '')).toBeNull()
    expect(parseOpenLink('/github.com/acme/widgets/blob/main/x', '')).toBeNull()
  })
  it('compares repositories regardless of .git, trailing slash and host case', () => {
    expect(sameRepository('https://GitHub.com/acme/widgets.git', 'https://github.com/acme/widgets/')).toBe(true)
    expect(sameRepository('https://github.com/acme/widgets', 'https://github.com/acme/gadgets')).toBe(false)
  })
})
