/** Thrown for anything that makes a CSV unreadable; the source wraps it as a parse error. */
export class CsvFormatError extends Error {
  override name = 'CsvFormatError';
}
