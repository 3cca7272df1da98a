// RFC 3464 delivery-status fields, from a message/delivery-status part or from a DSN
// that an MTA pasted into the text body.

export interface DsnRecipient { address: string; action: string; status: string | null }

/** An enhanced status code (RFC 3463) such as 5.1.1, not part of an IP address. */
export const DSN_STATUS = /(?<![\w.])([245])\.(\d{1,3})\.(\d{1,3})(?![\w]|\.\d)/

function field(block: string, name: string): string | null {
  const m = new RegExp(`^${name}[ \\t]*:[ \\t]*([^\\n]*(?:\\n[ \\t]+[^\\n]*)*)`, 'im').exec(block)
  return m ? m[1].replace(/\s+/g, ' ').trim() : null
}

function addressOf(value: string | null): string | null {
  if (!value) return null
  const addr = value.replace(/^[\w-]+\s*;\s*/, '').replace(/[<>"]/g, '').trim()
  return /^[^\s@]+@[^\s@]+$/.test(addr) ? addr.toLowerCase() : null
}

// Recipient blocks are meant to be separated by blank lines, but some MTAs run them
// together: a second Final-Recipient (or Original-Recipient) line starts a new block.
function recipientBlocks(body: string): string[] {
  const blocks: string[] = []
  for (const block of body.replace(/\r\n?/g, '\n').split(/\n[ \t]*\n/)) {
    let current: string[] = []
    const seen = new Set<string>()
    for (const line of block.split('\n')) {
      const name = /^(final|original)-recipient\s*:/i.exec(line)?.[1].toLowerCase()
      if (name && seen.has(name)) {
        blocks.push(current.join('\n'))
        current = []
        seen.clear()
      }
      if (name) seen.add(name)
      current.push(line)
    }
    blocks.push(current.join('\n'))
  }
  return blocks
}

/** Parses the per-recipient blocks of a delivery-status body. */
export function parseDsn(body: string): DsnRecipient[] {
  if (!/recipient\s*:/i.test(body)) return []
  const out: DsnRecipient[] = []
  for (const block of recipientBlocks(body)) {
    const address = addressOf(field(block, 'Final-Recipient')) ?? addressOf(field(block, 'Original-Recipient'))
    if (!address) continue
    const statusField = field(block, 'Status')
    const diag = field(block, 'Diagnostic-Code') ?? ''
    const status = DSN_STATUS.exec(statusField ?? '')?.[0] ?? DSN_STATUS.exec(diag)?.[0] ?? null
    out.push({ address, action: (field(block, 'Action') ?? '').toLowerCase(), status })
  }
  return out
}
