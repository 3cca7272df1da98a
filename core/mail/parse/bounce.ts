// Bounce detection from structured reports: RFC 3464 delivery-status parts and Amazon
// SES JSON notifications. Free-text MTA bounces are handled in bounce-text.ts.
import { textBounce } from './bounce-text.ts'
import { DSN_STATUS as STATUS, parseDsn } from './dsn.ts'
import type { DsnRecipient } from './dsn.ts'
import type { BounceInfo, ClassifyInput } from './types.ts'

export interface BounceVerdict {
  /** A failed or delayed delivery. */
  bounce: BounceInfo | null
  /** A machine delivery report of any kind (also successful ones). */
  report: boolean
  reason: string | null
}

function isFailure(r: DsnRecipient): boolean {
  if (/^(delivered|relayed|expanded)/.test(r.action)) return false
  if (/^(failed|delayed)/.test(r.action)) return true
  return !!r.status && !r.status.startsWith('2')
}

function dsnBounce(input: ClassifyInput): BounceVerdict | null {
  const dsn = input.reports.filter((r) => /delivery-status$/.test(r.contentType))
  if (!dsn.length) return null
  const recipients = dsn.flatMap((r) => parseDsn(r.body))
  if (!recipients.length) return null
  const failed = recipients.filter(isFailure)
  if (!failed.length) return { bounce: null, report: true, reason: 'DSN delivery report (no failures)' }
  const status = failed.find((r) => r.status)?.status ?? null
  const temporary = failed.every((r) => r.action.startsWith('delayed') || r.status?.startsWith('4'))
  const unique = [...new Set(failed.map((r) => r.address))]
  return { bounce: { recipients: unique, status, temporary }, report: true, reason: `DSN report, ${status ?? failed[0].action}` }
}

interface SesBounce { bounceType?: string; bouncedRecipients?: { emailAddress?: string; status?: string }[] }

function sesNotification(input: ClassifyInput): BounceVerdict | null {
  const text = input.text?.trim() ?? ''
  if (!text.startsWith('{') || !text.includes('"notificationType"')) return null
  let note: { notificationType?: string; bounce?: SesBounce }
  try {
    note = JSON.parse(text.slice(0, text.lastIndexOf('}') + 1)) as typeof note
  } catch {
    return null
  }
  if (note.notificationType !== 'Bounce' || !note.bounce) {
    return note.notificationType ? { bounce: null, report: true, reason: `SES ${note.notificationType} notification` } : null
  }
  const list = note.bounce.bouncedRecipients ?? []
  const status = list.map((r) => STATUS.exec(r.status ?? '')?.[0]).find(Boolean) ?? null
  const recipients = [...new Set(list.map((r) => r.emailAddress?.toLowerCase()).filter((a): a is string => !!a))]
  const temporary = note.bounce.bounceType === 'Transient' || !!status?.startsWith('4')
  return { bounce: { recipients, status, temporary }, report: true, reason: `SES bounce notification, ${status ?? note.bounce.bounceType}` }
}

/** Decides whether a message reports a failed delivery, and to whom. */
export function detectBounce(input: ClassifyInput): BounceVerdict {
  return dsnBounce(input) ?? sesNotification(input) ?? textBounce(input) ?? { bounce: null, report: false, reason: null }
}
