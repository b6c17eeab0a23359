/**
 * Markdown highlighting from @lezer/markdown alone (CommonMark + GitHub's tables, task lists,
 * strikethrough), with fenced code in the other lazily loaded languages. @codemirror/lang-markdown
 * would bring the HTML, CSS and JavaScript parsers along (about 80 kB gzipped) for HTML blocks;
 * a README is the first file most people open, so it should not wait for them.
 */
import { Language, LanguageDescription, LanguageSupport, ParseContext, defineLanguageFacet, foldNodeProp, indentNodeProp } from '@codemirror/language'
import { GFM, parseCode, parser as commonmark } from '@lezer/markdown'

const data = defineLanguageFacet({ commentTokens: { block: { open: '<!--', close: '-->' } } })

/** Headings fold up to the next heading of the same or a higher level. */
const foldHeadings = foldNodeProp.add({
  'ATXHeading1 ATXHeading2 ATXHeading3 ATXHeading4 ATXHeading5 ATXHeading6': (node, state) => {
    const level = Number(node.name.slice(-1))
    let end = state.doc.length
    for (let next = node.nextSibling; next; next = next.nextSibling) {
      const m = /^ATXHeading(\d)$/.exec(next.name)
      if (m && Number(m[1]) <= level) {
        end = next.from - 1
        break
      }
    }
    const lineEnd = state.doc.lineAt(node.from).to
    return end > lineEnd ? { from: lineEnd, to: end } : null
  },
})

/** Markdown with code blocks highlighted by `codeLanguages` (loaded when a block needs one). */
export function markdownSupport(codeLanguages: readonly LanguageDescription[]): LanguageSupport {
  const parser = commonmark.configure([
    GFM,
    parseCode({
      codeParser(info) {
        const description = info ? LanguageDescription.matchLanguageName(codeLanguages, info, true) : null
        if (!description) return null
        if (description.support) return description.support.language.parser
        // Parsed again, highlighted, once the language has loaded.
        return ParseContext.getSkippingParser(description.load())
      },
    }),
    { props: [foldHeadings, indentNodeProp.add({ Document: () => null })] },
  ])
  return new LanguageSupport(new Language(data, parser, [], 'markdown'))
}
