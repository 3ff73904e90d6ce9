/**
 * `recotem export` body: runs the export with an abort signal tied to SIGINT/SIGTERM, so an
 * interrupted export removes its staging file or table and leaves the previous export in place.
 * Prints one summary line on stdout.
 */
import type { CliIo } from '../io.js';
import type { ExportCommandOptions } from '../options.js';

export async function runExportCommand(opts: ExportCommandOptions, io: CliIo): Promise<number> {
  // Loaded here so that other commands never load the export and serving stacks.
  const { runExport } = await import('../../export/index.js');
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const summary = await runExport({ ...opts.request, signal: controller.signal });
    io.stdout(
      `Exported ${summary.rows} rows for ${summary.keys} ${opts.request.related ? 'items' : 'users'} to ${summary.destination} (${summary.modelVersion}) in ${summary.seconds.toFixed(2)} s`,
    );
    if (summary.unknown.length > 0) {
      const shown = summary.unknown.slice(0, 10).join(', ');
      const more = summary.unknown.length > 10 ? ` and ${summary.unknown.length - 10} more` : '';
      io.stderr(`${summary.unknown.length} id(s) unknown to the model, skipped: ${shown}${more}`);
    }
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
