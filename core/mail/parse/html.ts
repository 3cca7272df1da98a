// HTML bodies: sanitising for display and converting to Markdown for posts.
import sanitizeHtml from 'sanitize-html'
import TurndownService from 'turndown'

const safeColor = /^(#[0-9a-f]{3,8}|[a-z]+|rgba?\([\d\s.,%]+\))$/i
const safeLength = /^-?[\d.]+(px|em|rem|%|pt)?$/i

// Styles are limited to presentational properties whose values cannot carry url(),
// expression() or @import, so a message cannot phone home when it is rendered.
const sanitizeOptions: sanitizeHtml.IOptions = {
  allowedTags: [
    ...sanitizeHtml.defaults.allowedTags.filter((t) => t !== 'style'),
    'img', 'font', 'center', 'del', 'ins', 'u', 's', 'strike', 'sub', 'sup', 'big', 'small',
  ],
  disallowedTagsMode: 'discard',
  allowedAttributes: {
    a: ['href', 'name', 'title', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    font: ['color'],
    td: ['colspan', 'rowspan', 'align', 'valign'],
    th: ['colspan', 'rowspan', 'align', 'valign'],
    table: ['border', 'cellpadding', 'cellspacing'],
    '*': ['dir', 'lang', 'style', 'align'],
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['cid', 'data'] },
  allowedStyles: {
    '*': {
      color: [safeColor],
      'background-color': [safeColor],
      'text-align': [/^(left|right|center|justify)$/i],
      'font-weight': [/^(bold|normal|[1-9]00)$/i],
      'font-style': [/^(italic|normal)$/i],
      'text-decoration': [/^(underline|line-through|none)$/i],
      'font-size': [safeLength],
    },
  },
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow' } }),
  },
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript'],
}

/** Sanitises a mail's HTML body: no scripts, handlers, remote images or exfiltrating styles. */
export function sanitizeMailHtml(html: string): string {
  return sanitizeHtml(html, sanitizeOptions)
}

let turndown: TurndownService | null = null

function markdownService(): TurndownService {
  if (turndown) return turndown
  const td = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '*', hr: '---' })
  td.remove(['script', 'style', 'head', 'title', 'noscript'])
  // Mail text is rarely Markdown-sensitive, and escapes ("\>", "\[") would hide quote
  // headers such as 'Name <a@b.c>:' from the reply trimmer.
  td.escape = (text: string): string => text
  // Mail clients use one <div> per line; paragraphs would double every line break.
  td.addRule('mailDivs', {
    filter: 'div',
    replacement: (content) => `\n${content.replace(/^\n+|\n+$/g, '')}\n`,
  })
  td.addRule('mailtoLinks', {
    filter: (node) => node.nodeName === 'A' && /^mailto:/i.test(node.getAttribute('href') ?? ''),
    replacement: (content) => content,
  })
  // Remote images become their alt text: posts must not load trackers from mail.
  td.addRule('mailImages', {
    filter: 'img',
    replacement: (_content, node) => {
      const alt = (node as HTMLElement).getAttribute('alt') ?? ''
      return alt ? `[${alt}]` : ''
    },
  })
  turndown = td
  return td
}

/** Converts an HTML mail body to Markdown (for HTML-only mail). */
export function htmlToMarkdown(html: string): string {
  if (!html.trim()) return ''
  return markdownService()
    .turndown(html)
    .replace(/\u00a0/g, ' ')
    .replace(/[ \t]+$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}
