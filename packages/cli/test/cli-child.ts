// `ray-gitops <argv>` as its own process from the sources, so a test can run several at once or kill -9 one.
import { main } from '../src/main.js';

process.exitCode = await main(process.argv.slice(2));
