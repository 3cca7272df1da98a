import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });

/** @name mentions: not inside words or e-mail addresses. */
const MENTION = /(^|[^\w@/.`\\])@([A-Za-z0-9][A-Za-z0-9_.-]{0,38}[A-Za-z0-9]|[A-Za-z0-9])(?![\w@-])/g;

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'del', 's', 'details', 'summary', 'span'],
  allowedAttributes: {
    a: ['href', 'title', 'class', 'rel'],
    img: ['src', 'alt', 'title', 'width', 'height'],
    code: ['class'],
    span: ['class'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https', 'data'] },
  allowProtocolRelative: false,
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow noopener' }) },
};

/** Mention candidates in raw Markdown, lower-cased, code spans and fenced blocks excluded. */
export function extractMentions(raw: string): string[] {
  const text = stripCode(raw);
  const found = new Set<string>();
  for (const m of text.matchAll(MENTION)) found.add(m[2].toLowerCase());
  return [...found];
}

export interface MentionTargets {
  /** lower-cased name -> display name and kind, for the mentions that exist and may be mentioned. */
  resolved: Map<string, { name: string; kind: 'user' | 'group' }>;
}

/** Markdown to sanitised HTML, with resolved @mentions linked. */
export function cook(raw: string, mentions: MentionTargets = { resolved: new Map() }): string {
  const html = md.render(raw);
  const linked = mentions.resolved.size ? linkMentions(html, mentions) : html;
  return sanitizeHtml(linked, SANITIZE);
}

/** A plain-text excerpt of cooked HTML, for lists and mail subjects. */
export function excerpt(cooked: string, max = 200): string {
  const text = sanitizeHtml(cooked, { allowedTags: [], allowedAttributes: {} }).replace(/\s+/g, ' ').trim();
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

function linkMentions(html: string, { resolved }: MentionTargets): string {
  // Only text outside tags and outside <code>/<pre>/<a> is touched.
  const parts = html.split(/(<[^>]+>)/);
  let skip = 0;
  return parts.map((part) => {
    if (part.startsWith('<')) {
      if (/^<(code|pre|a)\b/i.test(part)) skip++;
      else if (/^<\/(code|pre|a)>/i.test(part)) skip = Math.max(0, skip - 1);
      return part;
    }
    if (skip) return part;
    return part.replace(MENTION, (whole, lead: string, name: string) => {
      const target = resolved.get(name.toLowerCase());
      if (!target) return whole;
      const href = target.kind === 'user' ? `/u/${encodeURIComponent(target.name)}` : `/g/${encodeURIComponent(target.name)}`;
      return `${lead}<a class="mention${target.kind === 'group' ? '-group' : ''}" href="${href}">@${target.name}</a>`;
    });
  }).join('');
}

function stripCode(raw: string): string {
  return raw.replace(/^(```|~~~)[\s\S]*?^\1/gm, '').replace(/`[^`\n]*`/g, '');
}
