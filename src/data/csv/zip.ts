/**
 * Minimal zip reader for `.zip` CSV inputs: the archive must hold exactly one file, stored or
 * deflated (what every zip tool writes). ZIP64 and encrypted archives are refused.
 */
import { inflateRawSync } from 'node:zlib';
import { CsvFormatError } from './errors.js';

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;

export function extractSingleZipMember(zip: Buffer): Buffer {
  // End of central directory: 22 bytes + comment (≤ 65535), searched from the end.
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === EOCD_SIG) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new CsvFormatError('File is not a zip file');
  const entries = zip.readUInt16LE(eocd + 10);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (entries === 0xffff || cdOffset === 0xffffffff) throw new CsvFormatError('ZIP64 archives are not supported');
  const files: { name: string; method: number; flags: number; compSize: number; localOffset: number }[] = [];
  let p = cdOffset;
  for (let e = 0; e < entries; e++) {
    if (p + 46 > zip.length || zip.readUInt32LE(p) !== CENTRAL_SIG)
      throw new CsvFormatError('corrupt zip central directory');
    const flags = zip.readUInt16LE(p + 8);
    const method = zip.readUInt16LE(p + 10);
    const compSize = zip.readUInt32LE(p + 20);
    const nameLen = zip.readUInt16LE(p + 28);
    const extraLen = zip.readUInt16LE(p + 30);
    const commentLen = zip.readUInt16LE(p + 32);
    const localOffset = zip.readUInt32LE(p + 42);
    const name = zip.toString('utf8', p + 46, p + 46 + nameLen);
    if (!name.endsWith('/')) files.push({ name, method, flags, compSize, localOffset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  if (files.length === 0) throw new CsvFormatError('Zero files found in ZIP file');
  if (files.length > 1) {
    throw new CsvFormatError(
      `Multiple files found in ZIP file. Only one file per ZIP: ${files.map((f) => f.name).join(', ')}`,
    );
  }
  const f = files[0];
  if (f.flags & 0x1) throw new CsvFormatError('encrypted zip archives are not supported');
  const lp = f.localOffset;
  if (zip.readUInt32LE(lp) !== LOCAL_SIG) throw new CsvFormatError('corrupt zip local header');
  const start = lp + 30 + zip.readUInt16LE(lp + 26) + zip.readUInt16LE(lp + 28);
  const data = zip.subarray(start, start + f.compSize);
  if (f.method === 0) return Buffer.from(data);
  if (f.method === 8) {
    try {
      return inflateRawSync(data);
    } catch (err) {
      throw new CsvFormatError(`zip member could not be inflated: ${(err as Error).message}`);
    }
  }
  throw new CsvFormatError(`zip compression method ${f.method} is not supported (use deflate)`);
}
