/**
 * Mappings files are replaced atomically: a temporary file in the same directory, fsync, rename over the
 * target, fsync the directory. A full disk, `ulimit -f` or a kill leaves the previous file as it was.
 */
import { constants as fsc } from 'node:fs';
import { lstat, open, readlink, realpath, rename, stat, unlink } from 'node:fs/promises';
import * as path from 'node:path';
import { UsageError } from '../util/errors';

/** Loaded here, not at start-up: node:crypto is 3 ms of every offline run's cold start, and only a write needs it. */
const tempSuffix = (): string => (require('node:crypto') as typeof import('node:crypto')).randomBytes(4).toString('hex');

const REASONS: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, {
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EFBIG: 'file too large (ulimit -f?)',
    EISDIR: 'is a directory',
    ENOENT: 'no such file or directory',
    ENOTDIR: 'a parent is not a directory',
    ELOOP: 'too many levels of symbolic links',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    EIO: 'input/output error',
  }),
);

/** The error text for a failed write: `-write-json-mappings-file: cannot write out/m.json: no space left on device`. */
export function fileError(flag: string, file: string, e: unknown): UsageError {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const reason = (code !== undefined ? REASONS[code] : undefined) ?? (e instanceof Error ? e.message : String(e));
  return new UsageError(`${flag}: cannot write ${file}: ${reason}${code && REASONS[code] ? ` (${code})` : ''}`, { cause: e });
}

/** Follows a symlinked target, so the link stays and its file is replaced. */
async function resolveTarget(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    // A dangling link is written through (creating its target), as os.WriteFile does; never replaced by a file.
    let at = path.resolve(file);
    for (let hops = 0; hops < 40; hops++) {
      const st = await lstat(at).catch(() => undefined);
      if (!st?.isSymbolicLink()) return at;
      at = path.resolve(path.dirname(at), await readlink(at));
    }
    throw Object.assign(new Error('too many levels of symbolic links'), { code: 'ELOOP' });
  }
}

/**
 * Checks, before any side effect, that `file` can be written: its directory exists and it is not a directory.
 * Throws the same one-line error the write would.
 */
export async function checkWritable(flag: string, file: string): Promise<void> {
  try {
    const target = await resolveTarget(file);
    const dir = await stat(path.dirname(target));
    if (!dir.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    const st = await stat(target).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (st?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
  } catch (e) {
    throw fileError(flag, file, e);
  }
}

/** Writes `data` to `file` atomically with `mode` (0600 as the Go tool). Errors name `flag` and `file`. */
export async function writeFileAtomic(flag: string, file: string, data: string, mode = 0o600): Promise<void> {
  let tmp: string | undefined;
  try {
    const target = await resolveTarget(file);
    const st = await stat(target).catch(() => undefined);
    if (st?.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    if (st && !st.isFile()) {
      // A device or FIFO (/dev/stdout, /dev/null) is written in place: renaming over it would replace the device.
      const fh = await open(target, fsc.O_WRONLY);
      try {
        await fh.writeFile(data, 'utf8');
      } finally {
        await fh.close();
      }
      return;
    }
    const dir = path.dirname(target);
    tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${tempSuffix()}.tmp`);
    const fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode);
    try {
      if (st) {
        // Replacing keeps the file's permissions and (when we may) its owner, as writing in place would.
        await fh.chmod(st.mode & 0o7777);
        await fh.chown(st.uid, st.gid).catch(() => undefined);
      }
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, target);
    tmp = undefined;
    // The rename is durable only once the directory entry is on disk; best effort (some filesystems refuse).
    const dh = await open(dir, fsc.O_RDONLY).catch(() => undefined);
    await dh?.sync().catch(() => undefined);
    await dh?.close();
  } catch (e) {
    if (tmp !== undefined) await unlink(tmp).catch(() => undefined);
    throw fileError(flag, file, e);
  }
}
