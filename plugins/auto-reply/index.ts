import { definePlugin } from '../../core/plugin-api.ts';

/** auto-reply: A delayed acknowledgement to new mail, sent only if nobody has answered by then. */
export default definePlugin({
  name: 'auto-reply',
  version: '0.1.0',
  description: 'A delayed acknowledgement to new mail, sent only if nobody has answered by then.',
  dependsOn: ['group-inbox'],
  register() {},
});
