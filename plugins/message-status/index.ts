import { definePlugin } from '../../core/plugin-api.ts';

/** message-status: Open, pending and solved messages, with closing notes and waiting-time colours. */
export default definePlugin({
  name: 'message-status',
  version: '0.1.0',
  description: 'Open, pending and solved messages, with closing notes and waiting-time colours.',
  dependsOn: ['group-inbox'],
  register() {},
});
