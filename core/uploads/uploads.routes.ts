import { createReadStream } from 'node:fs';
import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core.ts';
import { badInput } from '../errors.ts';
import { requireUser } from '../http/viewer.ts';
import { isImageType, tooLarge, type IncomingFile } from './uploads.service.ts';
import type { Upload } from './uploads.table.ts';

/** Uploading files (multipart, field `file`) and serving them to those who may see them. */
export async function uploadRoutes(app: FastifyInstance, core: Core): Promise<void> {
  const { uploads } = core.services;
  const max = core.config.maxUploadBytes;

  await app.register(async (scope) => {
    await scope.register(multipart, { limits: { fileSize: max, files: 1, fields: 10, parts: 11 } });
    const r = scope.withTypeProvider<TypeBoxTypeProvider>();

    r.post('/api/uploads', { schema: { tags: ['uploads'], summary: `Upload one file (multipart field "file", at most ${Math.round(max / 1048576)} MB)`, consumes: ['multipart/form-data'] } },
      async (req, reply) => {
        const viewer = requireUser(req);
        const upload = await uploads.store(viewer, await readFile(req, max));
        return reply.status(201).send(describe(upload));
      });

    r.get('/uploads/:sha256', { schema: { tags: ['uploads'], summary: 'A file, if you uploaded it or can see a post it is attached to', params: Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) } },
      async (req, reply) => send(reply, await uploads.findServable(req.viewer, req.params.sha256), uploads.pathFor(req.params.sha256)));
  });
}

async function readFile(req: FastifyRequest, max: number): Promise<IncomingFile> {
  if (!req.isMultipart()) throw badInput('Send the file as multipart/form-data in a field called "file".');
  const part = await req.file().catch((err: { statusCode?: number }) => { throw err.statusCode === 413 ? tooLarge(max) : badInput('That upload was not readable multipart form data; try again.'); });
  if (!part || part.fieldname !== 'file') throw badInput('Send the file in a field called "file".', { field: 'file' });
  const data = await part.toBuffer().catch((err: { code?: string }) => { throw err.code === 'FST_REQ_FILE_TOO_LARGE' ? tooLarge(max) : err; });
  return { filename: part.filename, declaredType: part.mimetype, data };
}

const describe = (u: Upload) => ({ id: u.id, sha256: u.sha256, url: `/uploads/${u.sha256}`, size: u.size, contentType: u.content_type, filename: u.original_filename });

/** Images display inline; everything else downloads. nosniff stops a browser from guessing its way to HTML. */
function send(reply: FastifyReply, upload: Upload, file: string): FastifyReply {
  const disposition = isImageType(upload.content_type) ? 'inline' : 'attachment';
  return reply
    .header('Content-Type', upload.content_type)
    .header('Content-Length', String(upload.size))
    .header('Content-Disposition', `${disposition}; filename="${upload.original_filename.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(upload.original_filename)}`)
    .header('X-Content-Type-Options', 'nosniff')
    .header('Content-Security-Policy', "default-src 'none'; sandbox")
    .header('Cache-Control', 'private, max-age=86400')
    .send(createReadStream(file));
}
