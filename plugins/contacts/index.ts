import { definePlugin } from '../../core/plugin-api.ts';

/** contacts: A page per customer: their messages in the groups you can see, staff case notes, merged addresses. */
export default definePlugin({
  name: 'contacts',
  version: '0.1.0',
  description: 'A page per customer: their messages in the groups you can see, staff case notes, merged addresses.',
  dependsOn: ['group-inbox'],
  register() {},
});
