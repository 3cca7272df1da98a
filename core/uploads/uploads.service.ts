import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Kysely, Transaction } from 'kysely';
import type { Config } from '../config.ts';
import type { DB } from '../db/schema.ts';
import { badInput, notFound, parleyError } from '../errors.ts';
import type { Guardian } from '../permissions/guardian.ts';
import type { Viewer } from '../permissions/viewer.ts';
import * as repo from './uploads.repo.ts';
import type { Upload } from './uploads.table.ts';

/* Which files Parley accepts, and what they really are: images are sniffed, never trusted by name. */
const IMAGE_MAGIC: Array<{ type: string; test: (b: Buffer) => boolean }> = [
  { type: 'image/png', test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) },
  { type: 'image/jpeg', test: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  { type: 'image/gif', test: (b) => ['GIF87a', 'GIF89a'].includes(b.subarray(0, 6).toString('latin1')) },
  { type: 'image/webp', test: (b) => b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP' },
];

const ZIP = (b: Buffer) => b.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]));
const OLE = (b: Buffer) => b.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]));

/** Non-image types: each must also look like what it claims to be. */
const DOCUMENTS: Record<string, (b: Buffer) => boolean> = {
  'application/pdf': (b) => b.subarray(0, 5).toString('latin1') === '%PDF-',
  'text/plain': (b) => !b.subarray(0, 8192).includes(0),
  'application/zip': ZIP,
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': ZIP,
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': ZIP,
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': ZIP,
  'application/vnd.oasis.opendocument.text': ZIP,
  'application/vnd.oasis.opendocument.spreadsheet': ZIP,
  'application/vnd.oasis.opendocument.presentation': ZIP,
  'application/msword': OLE,
  'application/vnd.ms-excel': OLE,
  'application/vnd.ms-powerpoint': OLE,
};

export const ALLOWED_DESCRIPTION = 'PNG, JPEG, GIF or WebP images, PDF, plain text, ZIP, or Word, Excel, PowerPoint and OpenDocument files';

export const isImageType = (type: string): boolean => type.startsWith('image/');

/** The type to store and serve the file as, or null when it is not allowed (or is not what it claims). */
export function detectType(data: Buffer, declared: string): string | null {
  const image = IMAGE_MAGIC.find((m) => m.test(data));
  if (image) return image.type;
  const claimed = declared.split(';')[0]!.trim().toLowerCase();
  if (isImageType(claimed)) return null;
  const check = DOCUMENTS[claimed === 'application/x-zip-compressed' ? 'application/zip' : claimed];
  if (!check || !check(data)) return null;
  return claimed === 'text/plain' ? 'text/plain; charset=utf-8' : claimed;
}

export interface IncomingFile { filename: string; declaredType: string; data: Buffer }

/** Files people attach: stored once per content (sha256), served only to those who may see them. */
export class UploadsService {
  constructor(private readonly deps: { db: Kysely<DB>; guardian: Guardian; config: Pick<Config, 'dataDir' | 'maxUploadBytes'> }) {}

  /** Checks size and type, writes the file atomically, and records it (once per content). */
  async store(viewer: Viewer & { id: number }, file: IncomingFile, db: Kysely<DB> = this.deps.db): Promise<Upload> {
    if (file.data.length > this.deps.config.maxUploadBytes) throw tooLarge(this.deps.config.maxUploadBytes);
    if (file.data.length === 0) throw badInput('That file is empty; choose another.', { field: 'file' });
    const contentType = detectType(file.data, file.declaredType);
    if (!contentType) throw parleyError('UNSUPPORTED_TYPE', `Parley accepts ${ALLOWED_DESCRIPTION}; "${file.filename}" is not one of them (or not what its name says).`);
    const sha256 = createHash('sha256').update(file.data).digest('hex');
    await this.writeOnce(sha256, file.data);
    return repo.insertUpload(db, {
      sha256, original_filename: path.basename(file.filename).slice(0, 255) || 'file', content_type: contentType, size: file.data.length, user_id: viewer.id,
    });
  }

  /** Where an upload's bytes live: `<dataDir>/uploads/ab/cd/abcd…`. */
  pathFor(sha256: string): string {
    return path.join(this.deps.config.dataDir, 'uploads', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** The upload, if the viewer uploaded it or can see a post it is attached to; otherwise not found. */
  async findServable(viewer: Viewer, sha256: string): Promise<Upload> {
    const upload = await repo.findUploadBySha(this.deps.db, sha256);
    if (!upload || !(await this.maySee(this.deps.db, viewer, upload))) throw notFound('That file');
    return upload;
  }

  /**
   * Links uploads to a post inside the post's transaction. An author may attach only what they
   * uploaded or can already see: upload ids are guessable, and attaching someone's private file
   * to a public post would publish it. Anything else is a 400 that does not say whether it exists.
   */
  async attach(trx: Transaction<DB> | Kysely<DB>, postId: number, uploadIds: number[], author: Viewer): Promise<void> {
    const unique = [...new Set(uploadIds)];
    const found = await repo.uploadsByIds(trx, unique);
    const allowed = await Promise.all(found.map(async (u) => ((await this.maySee(trx, author, u)) ? u.id : null)));
    const missing = unique.filter((id) => !allowed.includes(id));
    if (missing.length) throw badInput(`No upload with id ${missing.join(', ')} is yours to attach; upload the file again.`, { field: 'uploadIds' });
    await repo.insertPostUploads(trx, postId, unique);
  }

  /**
   * Links uploads this author has just stored (the rows `store` gave back, in this transaction) to
   * their post: they are the author's own, so there is nothing to check, unlike `attach`.
   */
  async attachStored(trx: Transaction<DB> | Kysely<DB>, postId: number, uploads: Upload[]): Promise<void> {
    await repo.insertPostUploads(trx, postId, [...new Set(uploads.map((u) => u.id))]);
  }

  private async maySee(db: Kysely<DB>, viewer: Viewer, upload: Upload): Promise<boolean> {
    if (viewer.id !== null && (await repo.isUploader(db, upload.id, viewer.id))) return true;
    const [topicOk, postOk] = await Promise.all([this.deps.guardian.topicPredicate(viewer), this.deps.guardian.postPredicate(viewer)]);
    return repo.attachedToVisiblePost(db, upload.id, topicOk, postOk);
  }

  /** temp + rename, so a reader never sees half a file; identical content is written once. */
  private async writeOnce(sha256: string, data: Buffer): Promise<void> {
    const target = this.pathFor(sha256);
    if (await fs.stat(target).then(() => true, () => false)) return;
    await fs.mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await fs.writeFile(tmp, data, { flag: 'wx' });
    await fs.rename(tmp, target);
  }
}

export function tooLarge(max: number) {
  const size = max >= 1_048_576 ? `${+(max / 1_048_576).toFixed(1)} MB` : `${Math.ceil(max / 1024)} KB`;
  return parleyError('PAYLOAD_TOO_LARGE', `Files can be at most ${size}; this one is larger. Shrink or split it.`);
}
