// `npm run build`: the release engine binary and the production web build.
import { ensureNodeModules } from './lib/install.mjs';
import { run } from './lib/run.mjs';

export async function build(log = console.log) {
  await ensureNodeModules(log);
  log('Building the engine (cargo build --release)…');
  await run('cargo', ['build', '--release', '--locked', '--package', 'quire-engine']);
  log('Building the web app (next build)…');
  await run('npm', ['run', 'build', '--workspace', 'web']);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  build().catch((error) => {
    console.error(error.message);
    process.exit(1);
  });
}
