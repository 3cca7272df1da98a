// The acknowledgement's subject and body are plain text (Markdown reads well as it is) with a few
// variables in double braces. Unknown variables are refused when the settings are saved, so a typo
// never reaches a customer as "{{custmer_name}}".
import { badInput } from '../../core/plugin-api.ts';

export const VARIABLES = {
  customer_name: 'The customer\'s name (their address when they gave none)',
  customer_email: 'The address the acknowledgement goes to',
  group_name: 'The group\'s full name (its name when it has none)',
  subject: 'The subject of the customer\'s mail',
  message_id: 'The message\'s number in Parley',
  message_url: 'A link to the message (a customer without an account is led through signup)',
} as const;

export type Variables = Record<keyof typeof VARIABLES, string>;

const VARIABLE = /\{\{\s*([a-zA-Z_]+)\s*\}\}/g;

export function render(text: string, vars: Variables): string {
  return text.replace(VARIABLE, (whole, name: string) => (name in vars ? vars[name as keyof Variables] : whole));
}

/** Refuses a text that names a variable there is none of, naming the ones there are. */
export function checkVariables(text: string, field: string): void {
  for (const [, name] of text.matchAll(VARIABLE)) {
    if (!(name! in VARIABLES)) throw badInput(`There is no variable {{${name}}}; use ${Object.keys(VARIABLES).map((v) => `{{${v}}}`).join(', ')}.`, { field });
  }
}
