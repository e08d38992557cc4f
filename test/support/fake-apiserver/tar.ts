/**
 * Just enough of POSIX ustar for `kubectl cp`: it runs `tar cf - PATH` in the container to copy out and
 * `tar xmf - -C DIR` to copy in. Regular files and directories; 512-byte headers, two zero blocks at the end.
 */

export interface TarEntry {
  /** Relative path inside the archive, `/`-separated; directories end with `/`. */
  path: string;
  content: Buffer;
}

const BLOCK = 512;

function octal(value: number, width: number): string {
  return `${value.toString(8).padStart(width - 1, '0')}\0`;
}

function header(entry: TarEntry): Buffer {
  const block = Buffer.alloc(BLOCK);
  const directory = entry.path.endsWith('/');
  block.write(entry.path.slice(0, 100), 0, 'utf8');
  block.write(octal(directory ? 0o755 : 0o644, 8), 100);
  block.write(octal(0, 8), 108);
  block.write(octal(0, 8), 116);
  block.write(octal(directory ? 0 : entry.content.length, 12), 124);
  block.write(octal(Math.floor(Date.now() / 1000), 12), 136);
  block.write('        ', 148); // the checksum is computed with its own field as spaces
  block.write(directory ? '5' : '0', 156);
  block.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7), 148);
  return block;
}

export function createTar(entries: readonly TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(header(entry));
    if (entry.path.endsWith('/')) continue;
    parts.push(entry.content, Buffer.alloc((BLOCK - (entry.content.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

/** Regular files and directories of an archive; other entry types are skipped. */
export function extractTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  for (let at = 0; at + BLOCK <= archive.length;) {
    const block = archive.subarray(at, at + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) =>
      block
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1) || '0';
    const content = archive.subarray(at + BLOCK, at + BLOCK + size);
    if (type === '0' || type === '5')
      entries.push({ path: type === '5' && !name.endsWith('/') ? `${name}/` : name, content });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}
