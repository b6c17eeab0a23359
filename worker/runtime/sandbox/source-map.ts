/** Decoded source map lines: for each generated line, [generatedColumn, sourceLine, sourceColumn] triples. */
export type DecodedMap = Array<Array<[number, number, number]>>

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]))

/** Decodes a source map's `mappings` (one source, as esbuild's transform writes). */
export function decodeMappings(mappings: string): DecodedMap {
  const lines: DecodedMap = []
  let sourceLine = 0
  let sourceColumn = 0
  for (const line of mappings.split(';')) {
    const out: Array<[number, number, number]> = []
    let column = 0
    for (const segment of line.split(',')) {
      if (!segment) continue
      const fields: number[] = []
      let value = 0
      let shift = 0
      for (const ch of segment) {
        const digit = DIGIT.get(ch) ?? 0
        value += (digit & 31) << shift
        if (digit & 32) shift += 5
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      column += fields[0] ?? 0
      if (fields.length >= 4) {
        sourceLine += fields[2]!
        sourceColumn += fields[3]!
        out.push([column, sourceLine, sourceColumn])
      }
    }
    lines.push(out)
  }
  return lines
}

/** The original 1-based line and column of a generated 1-based position, or null when unmapped. */
export function originalPosition(map: DecodedMap, line: number, column: number): { line: number; column: number } | null {
  const segments = map[line - 1]
  if (!segments || segments.length === 0) return null
  let best = segments[0]!
  for (const s of segments) {
    if (s[0] <= column - 1) best = s
    else break
  }
  return { line: best[1] + 1, column: best[2] + 1 }
}
