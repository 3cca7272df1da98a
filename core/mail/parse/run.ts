// Stand-alone entry: node --import tsx core/mail/parse/run.ts FILE...
import { runParseEmail } from './parse-email-command.ts'

await runParseEmail(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout })
