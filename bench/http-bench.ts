import autocannon from 'autocannon';

export interface HttpResult { rps: number; p50: number; p99: number; errors: number; non2xx: number }

/** Drives one URL with autocannon on loopback for a fixed time. */
export async function measure(url: string, opts: { headers?: Record<string, string>; seconds?: number; connections?: number } = {}): Promise<HttpResult> {
  const result = await autocannon({ url, headers: opts.headers, duration: opts.seconds ?? 10, connections: opts.connections ?? 10, pipelining: 1 });
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

/** Prints rows as a Markdown table, the same format README carries. */
export function printTable(title: string, header: string[], rows: (string | number)[][]): void {
  const lines = [`\n### ${title}\n`, `| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
  process.stdout.write(`${lines.join('\n')}\n`);
}
