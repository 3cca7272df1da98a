// Why a received message did not become a post: a typed reason, what it means for the admin, and
// what (if anything) the sender is told. Automated mail, bounces and spam are never answered.

export const REJECTIONS = {
  parse_error: { admin: 'The message could not be read as email.', notify: false },
  own_address: { admin: 'The message came from one of Parley’s own addresses (a mail loop).', notify: false },
  auto_generated: { admin: 'Automated mail (auto-reply, list or system message); not posted.', notify: false },
  spam: { admin: 'Flagged as spam by the receiving server; held for review.', notify: false },
  no_sender: { admin: 'The message has no usable From address.', notify: false },
  sender_blocked: { admin: 'The sender or their domain is on the block list.', notify: false },
  sent_to_bounce_address: { admin: 'Mail to the bounce address that is not a delivery report.', notify: false },
  no_destination: { admin: 'None of the recipients is an address Parley accepts mail for.', notify: true },
  unknown_sender: { admin: 'The sender has no account here, and no plugin took them in.', notify: true },
  reply_key_unknown: { admin: 'The reply address carries a key Parley does not know.', notify: true },
  reply_key_mismatch: { admin: 'The reply address belongs to someone else than the sender.', notify: true },
  topic_not_found: { admin: 'The topic this replies to no longer exists.', notify: true },
  topic_closed: { admin: 'The topic is closed or archived.', notify: true },
  not_allowed: { admin: 'The sender may not post there.', notify: true },
  user_suspended: { admin: 'The sender’s account is suspended.', notify: true },
  empty_body: { admin: 'Nothing was left to post after removing quoted history and signatures.', notify: true },
} as const satisfies Record<string, { admin: string; notify: boolean }>;

export type RejectionReason = keyof typeof REJECTIONS;

/** A decided rejection, carried out of the pipeline by throwing it. */
export class Rejection extends Error {
  constructor(readonly reason: RejectionReason, readonly detail: string = REJECTIONS[reason].admin) {
    super(detail);
    this.name = 'Rejection';
  }
}

export const reject = (reason: RejectionReason, detail?: string): never => { throw new Rejection(reason, detail); };
