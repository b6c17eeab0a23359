/** The parts of a pip.conf an install needs. */
export interface PipConfig {
  indexUrl: string | null
  extraIndexUrls: string[]
  pre: boolean
}

/**
 * Reads pip.conf text as pip does (ini: `[global]`, then `[install]` over it; `;`/`#` comments;
 * indented lines continue a value; keys match with `_` or `-` and an optional `--`): `index-url`,
 * `extra-index-url` (several, separated by whitespace), `pre`.
 */
export function parsePipConf(text: string): PipConfig {
  const sections: Record<string, Record<string, string>> = {}
  let section: Record<string, string> | null = null
  let last: string | null = null
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*([;#]|$)/.test(raw)) continue
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(raw)
    if (header) {
      section = sections[header[1]!.trim().toLowerCase()] ??= {}
      last = null
      continue
    }
    if (/^\s/.test(raw) && section && last) {
      section[last] += `\n${raw.trim()}`
      continue
    }
    const m = /^\s*([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw)
    if (!m || !section) continue
    last = m[1]!.toLowerCase().replace(/^--/, '').replace(/_/g, '-')
    section[last] = m[2]!.replace(/\s+[;#].*$/, '').trim()
  }
  const merged = { ...sections.global, ...sections.install }
  const words = (v: string | undefined) => (v ?? '').split(/\s+/).filter(Boolean)
  return {
    indexUrl: words(merged['index-url'])[0] ?? null,
    extraIndexUrls: words(merged['extra-index-url']),
    pre: /^(1|true|yes|on)$/i.test(merged.pre ?? ''),
  }
}
