// Mail templates: templates/email/<name>.subject.hbs, <name>.text.hbs and <name>.html.hbs
// (subject and HTML optional). Text parts are not HTML-escaped; HTML parts are.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { TEMPLATES_DIR } from '../../web/view-engine.ts';

export interface RenderedEmail { subject: string | null; text: string; html: string | null }

type Compiled = { subject: Handlebars.TemplateDelegate | null; text: Handlebars.TemplateDelegate; html: Handlebars.TemplateDelegate | null };

export class EmailTemplates {
  private readonly text = Handlebars.create();
  private readonly html = Handlebars.create();
  private readonly cache = new Map<string, Promise<Compiled>>();

  constructor(private readonly dir = path.join(TEMPLATES_DIR, 'email')) {}

  /** Renders a template by name; a plugin may pass its own folder in `dir`. */
  async render(name: string, data: Record<string, unknown>, dir = this.dir): Promise<RenderedEmail> {
    const key = `${dir}\0${name}`;
    let compiled = this.cache.get(key);
    if (!compiled) {
      compiled = this.compile(dir, name);
      this.cache.set(key, compiled);
      compiled.catch(() => this.cache.delete(key));
    }
    const t = await compiled;
    return {
      subject: t.subject ? t.subject(data).replace(/\s+/g, ' ').trim() : null,
      text: t.text(data).replace(/\n{3,}/g, '\n\n').trim() + '\n',
      html: t.html ? t.html(data) : null,
    };
  }

  private async compile(dir: string, name: string): Promise<Compiled> {
    const read = (part: string) => fs.readFile(path.join(dir, `${name}.${part}.hbs`), 'utf8').catch(() => null);
    const [subject, text, html] = await Promise.all([read('subject'), read('text'), read('html')]);
    if (text === null) throw new Error(`Mail template ${name} has no ${name}.text.hbs in ${dir}`);
    return {
      subject: subject === null ? null : this.text.compile(subject, { noEscape: true }),
      text: this.text.compile(text, { noEscape: true }),
      html: html === null ? null : this.html.compile(html),
    };
  }
}
