/** The operator console: its built files, loaded when the server is asked to host them. */
import { getLogger } from '../../log/index.js';
import { type ConsoleAssets, DEFAULT_CONSOLE_DIR, loadConsoleAssets } from './assets.js';

const log = getLogger('recotem.serve.console');

/** The console's files, or null (logged) when the package was built without them. */
export async function loadConsole(dir: string = DEFAULT_CONSOLE_DIR): Promise<ConsoleAssets | null> {
  const assets = await loadConsoleAssets(dir);
  if (assets === null) log.warn('console_assets_missing', { dir, hint: 'run npm run build' });
  return assets;
}
