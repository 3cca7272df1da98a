import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';

export const TEMPLATES_DIR = fileURLToPath(new URL('../../templates/', import.meta.url));

/** What fills an outlet: a template (compiled once) or a function of the page data returning HTML. */
export type OutletContent = string | ((data: Record<string, unknown>) => string);

interface OutletEntry { plugin: string | null; render: (data: Record<string, unknown>) => string }

/**
 * Server-rendered views: Handlebars templates from `templates/` (pages, `layouts/`, `partials/`),
 * and named outlets that plugins fill. An outlet entry of a disabled plugin renders nothing.
 */
export class ViewEngine {
  readonly hbs = Handlebars.create();
  private readonly pages = new Map<string, Handlebars.TemplateDelegate>();
  private readonly outlets = new Map<string, OutletEntry[]>();

  constructor(private readonly isEnabled: (plugin: string) => boolean, private readonly dir = TEMPLATES_DIR) {
    // An outlet sees the page's data, and as `this` whatever it is placed in (a row of a list).
    const render = (name: string, data: Record<string, unknown>) => this.renderOutlet(name, data);
    this.hbs.registerHelper('outlet', function (this: unknown, name: string, options: Handlebars.HelperOptions) {
      return new Handlebars.SafeString(render(name, { ...(options.data?.root ?? {}), this: this }));
    });
  }

  /** Loads every template under the folder; partials are named by their path (`partials/post` -> `post`). */
  async load(): Promise<void> {
    for (const file of await listTemplates(this.dir)) {
      const name = file.slice(0, -'.hbs'.length).split(path.sep).join('/');
      const source = await fs.readFile(path.join(this.dir, file), 'utf8');
      if (name.startsWith('partials/')) this.hbs.registerPartial(name.slice('partials/'.length), source);
      else this.pages.set(name, this.hbs.compile(source));
    }
  }

  registerPartial(name: string, source: string): void { this.hbs.registerPartial(name, source); }

  /** A page template from elsewhere (a plugin's), rendered like those under `templates/`. */
  registerPage(name: string, source: string): void { this.pages.set(name, this.hbs.compile(source)); }

  registerHelper(name: string, fn: Handlebars.HelperDelegate): void { this.hbs.registerHelper(name, fn); }

  addOutlet(name: string, content: OutletContent, plugin: string | null): void {
    const render = typeof content === 'string' ? this.hbs.compile(content) : content;
    this.outlets.set(name, [...(this.outlets.get(name) ?? []), { plugin, render }]);
  }

  renderOutlet(name: string, data: Record<string, unknown>): string {
    return (this.outlets.get(name) ?? [])
      .filter((o) => o.plugin === null || this.isEnabled(o.plugin))
      .map((o) => o.render(data)).join('\n');
  }

  /** Renders a page inside a layout (default `layouts/main`, which places the page as `{{{body}}}`). */
  render(page: string, data: Record<string, unknown>, layout: string | null = 'layouts/main'): string {
    const template = this.pages.get(page);
    if (!template) throw new Error(`No template ${page}`);
    const body = template(data);
    if (!layout) return body;
    const frame = this.pages.get(layout);
    if (!frame) throw new Error(`No layout ${layout}`);
    return frame({ ...data, body });
  }
}

async function listTemplates(dir: string, prefix = ''): Promise<string[]> {
  const entries = await fs.readdir(path.join(dir, prefix), { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(entries.map(async (e) => {
    const rel = path.join(prefix, e.name);
    if (e.isDirectory()) return e.name === 'email' ? [] : listTemplates(dir, rel);
    return e.name.endsWith('.hbs') ? [rel] : [];
  }));
  return nested.flat();
}
