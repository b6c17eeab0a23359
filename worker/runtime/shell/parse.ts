/** A redirection of a command's input or output to a file. */
export interface Redirect {
  fd: 0 | 1 | 2
  /** `>` replaces, `>>` appends, `<` reads; `2>&1` sends stderr where stdout goes. */
  op: '>' | '>>' | '<' | '>&1'
  target: string
}

/** One simple command: `NAME=value ... word ... redirections`. */
export interface SimpleCommand {
  assignments: Record<string, string>
  words: string[]
  redirects: Redirect[]
}

/** Commands joined by `|`. */
export type Pipeline = SimpleCommand[]

/** A command line: pipelines joined by `;`, `&&`, `||` (the operator before each, the first has none). */
export type CommandList = Array<{ op: ';' | '&&' | '||' | null; pipeline: Pipeline }>

/** A command line the shell cannot read; the message says where. */
export class ShellSyntaxError extends Error {
  override readonly name = 'ShellSyntaxError'
}

type Token = { kind: 'word'; text: string; quoted: boolean } | { kind: 'op'; text: string }

/**
 * Splits a line into words and operators, expanding `$VAR`, `${VAR}`, `$?` and `~` the way a POSIX
 * shell does (no word splitting of expansions, no globbing: the embedded shell keeps to the simple cases).
 */
export function tokenize(line: string, env: Record<string, string>): Token[] {
  const tokens: Token[] = []
  let i = 0
  let word: string | null = null
  let quoted = false
  const push = () => {
    if (word !== null) tokens.push({ kind: 'word', text: word, quoted })
    word = null
    quoted = false
  }
  const expand = (): string => {
    // At a `$`.
    const rest = line.slice(i + 1)
    const braced = /^\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(rest)
    const plain = /^([A-Za-z_][A-Za-z0-9_]*|\?|\$|[0-9])/.exec(rest)
    const m = braced ?? plain
    if (!m) {
      i++
      return '$'
    }
    i += 1 + m[0].length
    return env[m[1]!] ?? ''
  }
  while (i < line.length) {
    const c = line[i]!
    if (c === '\\') {
      word = (word ?? '') + (line[i + 1] ?? '')
      i += 2
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) throw new ShellSyntaxError('unterminated quote: a \' is never closed')
      word = (word ?? '') + line.slice(i + 1, end)
      quoted = true
      i = end + 1
    } else if (c === '"') {
      word ??= ''
      quoted = true
      i++
      for (;;) {
        if (i >= line.length) throw new ShellSyntaxError('unterminated quote: a " is never closed')
        const d = line[i]!
        if (d === '"') {
          i++
          break
        }
        if (d === '\\' && /["\\$`]/.test(line[i + 1] ?? '')) {
          word += line[i + 1]
          i += 2
        } else if (d === '$') word += expand()
        else {
          word += d
          i++
        }
      }
    } else if (c === '$') {
      word = (word ?? '') + expand()
    } else if (c === '~' && word === null && (line[i + 1] === undefined || /[\s/]/.test(line[i + 1]!))) {
      word = env.HOME ?? '/workspace'
      i++
    } else if (/\s/.test(c)) {
      push()
      i++
    } else if (c === '#' && word === null) {
      break
    } else {
      const op = /^(?:&&|\|\||>>|2>&1|2>>|2>|>|<|\||;|&)/.exec(line.slice(i))
      if (op) {
        // `2>` only counts as an operator at the start of a word.
        if (op[0].startsWith('2') && word !== null) {
          word += c
          i++
          continue
        }
        push()
        tokens.push({ kind: 'op', text: op[0] })
        i += op[0].length
      } else {
        word = (word ?? '') + c
        i++
      }
    }
  }
  push()
  return tokens
}

/** Parses a command line into pipelines and simple commands; throws ShellSyntaxError when malformed. */
export function parseCommandLine(line: string, env: Record<string, string>): CommandList {
  const tokens = tokenize(line, env)
  const list: CommandList = []
  let op: CommandList[number]['op'] = null
  let pipeline: Pipeline = []
  let command: SimpleCommand = { assignments: {}, words: [], redirects: [] }
  const endCommand = (what: string) => {
    if (command.words.length === 0 && Object.keys(command.assignments).length === 0) throw new ShellSyntaxError(`syntax error near '${what}'`)
    pipeline.push(command)
    command = { assignments: {}, words: [], redirects: [] }
  }
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!
    if (t.kind === 'word') {
      const assign = !t.quoted && command.words.length === 0 ? /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(t.text) : null
      if (assign) command.assignments[assign[1]!] = assign[2]!
      else command.words.push(t.text)
      continue
    }
    switch (t.text) {
      case '|':
        endCommand('|')
        break
      case ';':
      case '&&':
      case '||':
      case '&':
        if (t.text === '&' ) throw new ShellSyntaxError('background jobs (&) are not supported by the embedded shell')
        endCommand(t.text)
        list.push({ op, pipeline })
        pipeline = []
        op = t.text as ';' | '&&' | '||'
        break
      case '2>&1':
        command.redirects.push({ fd: 2, op: '>&1', target: '' })
        break
      default: {
        const next = tokens[i + 1]
        if (!next || next.kind !== 'word') throw new ShellSyntaxError(`syntax error: '${t.text}' needs a file name after it`)
        i++
        const fd = t.text.startsWith('2') ? 2 : t.text === '<' ? 0 : 1
        const redirectOp = t.text === '<' ? '<' : t.text.endsWith('>>') ? '>>' : '>'
        command.redirects.push({ fd, op: redirectOp, target: next.text })
      }
    }
  }
  if (command.words.length || Object.keys(command.assignments).length || command.redirects.length) endCommand('end of line')
  else if (pipeline.length) throw new ShellSyntaxError("syntax error: the line ends with '|'")
  else if (op !== null && op !== ';') throw new ShellSyntaxError(`syntax error: the line ends with '${op}'`)
  if (pipeline.length) list.push({ op, pipeline })
  return list
}
