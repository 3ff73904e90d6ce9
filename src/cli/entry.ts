/** Direct entry (`node dist/cli/entry.js ...`, `node --import tsx src/cli/entry.ts ...`). */
import { main } from './main.js';

await main(process.argv.slice(2));
